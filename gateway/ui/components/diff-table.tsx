import type { FieldChange } from '../../../mappings/versioning.ts';
import { fieldLabel } from '../labels.ts';
import { Value } from './value.tsx';

/** Field by field, old value → new value (for a first version, just the values it set). */
export function DiffTable(props: { changes: FieldChange[]; caption: string; before?: string; after?: string; created?: boolean }) {
  if (props.changes.length === 0) return <p class="muted">No field changed.</p>;
  const created = props.created === true;
  return (
    <div class="table-wrap">
      <table>
        <caption>{props.caption}</caption>
        <thead>
          <tr>
            <th scope="col">Field</th>
            {!created && <th scope="col">{props.before ?? 'Before'}</th>}
            <th scope="col">{props.after ?? (created ? 'Value' : 'After')}</th>
          </tr>
        </thead>
        <tbody>
          {props.changes.map((ch) => (
            <tr>
              <th scope="row">{fieldLabel(ch.field)}</th>
              {created ? (
                <td>
                  <Value v={ch.after} />
                </td>
              ) : (
                <>
                  <td>
                    <del>
                      <Value v={ch.before} />
                    </del>
                  </td>
                  <td>
                    <ins>
                      <Value v={ch.after} />
                    </ins>
                  </td>
                </>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
