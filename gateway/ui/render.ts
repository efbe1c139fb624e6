import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { JSX } from 'hono/jsx/jsx-runtime';

/** A page as the answer: the HTML5 doctype, then the rendered element. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function render(c: Context<any>, page: JSX.Element, status: ContentfulStatusCode = 200): Promise<Response> {
  const html = await (await page).toString();
  return c.html(`<!DOCTYPE html>${html}`, status);
}
