import type { Child } from 'hono/jsx';
import { Layout } from '../components/layout.tsx';
import { uiPath, type PageContext } from '../context.ts';

/** A page that only says something: not allowed (403), not found (404), expired form, an error. */
export function MessagePage(props: { title: string; page?: PageContext | undefined; children?: Child; back?: { href: string; text: string } }) {
  return (
    <Layout title={props.title} {...(props.page ? { page: props.page } : {})}>
      <h1>{props.title}</h1>
      {props.children}
      <p>
        <a href={props.back?.href ?? uiPath()}>{props.back?.text ?? 'Back to the start page'}</a>
      </p>
    </Layout>
  );
}
