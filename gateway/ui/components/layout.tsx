import type { Child } from 'hono/jsx';
import { uiPath, type PageContext } from '../context.ts';
import type { Flash } from '../session.ts';
import { CSS } from '../styles.ts';
import { CsrfField } from './csrf-field.tsx';
import { FlashMessage } from './flash-message.tsx';

export type NavItem = 'tables' | 'pending' | 'import' | 'trace' | 'patients' | 'quarantine' | 'dead-letters' | 'connections';

/**
 * Every page: a skip link, the header with the navigation the user's role allows and the log-out button, the
 * message left by the previous action (announced by screen readers), and the page's main content.
 */
export function Layout(props: { title: string; page?: PageContext; current?: NavItem; flash?: Flash | undefined; children?: Child }) {
  const { page, current } = props;
  const navLink = (item: NavItem, href: string, text: string) => (
    <li>
      <a href={href} aria-current={current === item ? 'page' : undefined}>
        {text}
      </a>
    </li>
  );
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${props.title} — rxgate`}</title>
        <style dangerouslySetInnerHTML={{ __html: CSS }} />
      </head>
      <body>
        <a class="skip" href="#main">
          Skip to main content
        </a>
        <header class="top">
          <div class="bar">
            <a class="brand" href={uiPath()}>
              rxgate
            </a>
            {page ? (
              <nav aria-label="Main">
                <ul>
                  {page.may('read') ? navLink('tables', uiPath(), 'Tables') : null}
                  {page.may('pendingRead') ? navLink('pending', uiPath(['pending']), 'Pending codes') : null}
                  {page.may('importPreview') ? navLink('import', uiPath(['import']), 'Import') : null}
                  {page.mayUse('trace') ? navLink('trace', uiPath(['trace']), 'Trace a message') : null}
                  {page.mayUse('tokens') ? navLink('patients', uiPath(['patients']), 'Patient history') : null}
                  {page.mayUse('evidenceList') ? navLink('quarantine', uiPath(['quarantine']), 'Quarantine') : null}
                  {page.mayUse('evidenceList') ? navLink('dead-letters', uiPath(['dead-letters']), 'Dead letters') : null}
                  {page.mayUse('status') ? navLink('connections', uiPath(['connections']), 'Connections') : null}
                </ul>
              </nav>
            ) : null}
            {page ? (
              <div class="session">
                <span class="who">
                  Logged in as <strong>{page.label}</strong> ({page.role})
                </span>
                <form method="post" action={uiPath(['logout'])}>
                  <CsrfField token={page.csrf} />
                  <button type="submit">Log out</button>
                </form>
              </div>
            ) : null}
          </div>
        </header>
        <main id="main" tabindex={-1}>
          <FlashMessage flash={props.flash ?? page?.flash} />
          {props.children}
        </main>
      </body>
    </html>
  );
}
