import { SPECS, type EntityData, type TableName } from '../../../mappings/entities/index.ts';
import { fieldLabel } from '../labels.ts';
import { Value } from './value.tsx';

/** Every field of an entry, labelled, in the table's order. */
export function EntryFields(props: { table: TableName; data: EntityData; extra?: { label: string; value: unknown }[] }) {
  return (
    <dl class="fields">
      {SPECS[props.table].fields.map((f) => (
        <>
          <dt>{fieldLabel(f.name)}</dt>
          <dd>
            <Value v={props.data[f.name]} />
          </dd>
        </>
      ))}
      {(props.extra ?? []).map((x) => (
        <>
          <dt>{x.label}</dt>
          <dd>
            <Value v={x.value} />
          </dd>
        </>
      ))}
    </dl>
  );
}
