import type { QuarantineView } from '../../bus/quarantine.ts';
import { FormField } from '../components/form-field.tsx';
import { Layout } from '../components/layout.tsx';
import { Pager } from '../components/pager.tsx';
import { QuarantineTable } from '../components/quarantine-table.tsx';
import { uiPath, type PageContext } from '../context.ts';

export interface QuarantineFilter {
  adapter?: string | undefined;
  reason?: string | undefined;
}

/** The adapters whose input can be in quarantine, as the filter offers them. */
const ADAPTERS = [
  { value: '', label: 'Every adapter' },
  { value: 'hl7v2', label: 'HL7 v2 (MLLP)' },
  { value: 'api', label: 'HTTP API' },
] as const;

/**
 * Quarantine: the input the gateway refused, oldest first, with why and what became of it; each message id links to
 * its trace, and analysts replay an entry once its cause is fixed. No content: the raw bytes may hold PHI.
 */
export function QuarantinePage(props: { page: PageContext; filter: QuarantineFilter; entries: QuarantineView[]; after?: number | undefined; nextAfter?: number | undefined }) {
  const { page, filter, entries } = props;
  const here = uiPath(['quarantine'], { adapter: filter.adapter, reason: filter.reason, after: props.after });
  return (
    <Layout title="Quarantine" page={page} current="quarantine">
      <h1>Quarantine</h1>
      <p>
        Input the gateway refused, kept as it arrived, oldest first: HL7 messages answered AE or AR and events the API refused, with what was
        wrong. Fix the cause (a mapping, a facility, the sender), then replay the entry: it goes through its adapter again and the entry stays, with
        the outcome beside it.
      </p>
      <form class="search" method="get" action={uiPath(['quarantine'])} role="search">
        <FormField id="f-adapter" name="adapter" label="Adapter" control="select" options={ADAPTERS} value={filter.adapter ?? ''} />
        <FormField id="f-reason" name="reason" label="Reason" value={filter.reason ?? ''} hint="Such as translate, parse, validation, invalid_event." maxlength={64} />
        <button type="submit">Show</button>
      </form>
      {entries.length === 0 ? (
        <p role="status">{filter.adapter || filter.reason ? 'No entries match.' : 'Quarantine is empty: nothing has been refused.'}</p>
      ) : (
        <QuarantineTable
          page={page}
          entries={entries}
          caption={`Quarantined input${props.after ? ', continued' : ''} (${entries.length} shown${props.nextAfter ? ', more on the next page' : ''})`}
          returnTo={here}
          messageIds
        />
      )}
      <Pager
        label="Pages of quarantine"
        first={props.after !== undefined ? uiPath(['quarantine'], { adapter: filter.adapter, reason: filter.reason }) : undefined}
        next={props.nextAfter !== undefined ? uiPath(['quarantine'], { adapter: filter.adapter, reason: filter.reason, after: props.nextAfter }) : undefined}
      />
    </Layout>
  );
}
