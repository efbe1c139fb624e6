import { ErrorSummary } from '../components/error-summary.tsx';
import { FormField } from '../components/form-field.tsx';
import { Layout } from '../components/layout.tsx';
import { uiPath } from '../context.ts';
import type { Flash } from '../session.ts';

/**
 * Log-in: the user pastes an API token (the same tokens and roles as the HTTP API). The token is checked and
 * forgotten; the browser gets a session cookie.
 */
export function LoginPage(props: { csrf: string; next?: string | undefined; error?: string | undefined; notice?: Flash | undefined }) {
  const errors = props.error ? [props.error] : undefined;
  return (
    <Layout title={props.error ? 'Error: Log in' : 'Log in'} page={undefined} flash={props.notice}>
      <h1>Log in</h1>
      {props.error ? <ErrorSummary problems={[{ label: 'Token', message: props.error, target: 'f-token' }]} /> : null}
      <p>
        Paste your rxgate API token. The web UI grants what the token’s role may do through the API: analysts edit
        mappings and resolve pending codes, compliance reads history, admins apply imports.
      </p>
      <form class="stack" method="post" action={uiPath(['login'])}>
        <input type="hidden" name="_csrf" value={props.csrf} />
        {props.next ? <input type="hidden" name="next" value={props.next} /> : null}
        <FormField
          id="f-token"
          name="token"
          label="API token"
          control="password"
          required={true}
          autocomplete="off"
          hint="The token is not stored in the browser: it gets a session cookie that ends when you log out or after 30 minutes without use."
          errors={errors}
          maxlength={4096}
        />
        <button type="submit">Log in</button>
      </form>
    </Layout>
  );
}
