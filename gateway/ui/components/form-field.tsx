/**
 * One labelled form control with its hint and its error text beside it. The control names both in
 * aria-describedby and says aria-invalid when there is an error, so a screen reader reads the message with the
 * field; the error summary links here by the control's id.
 */

export interface FormFieldProps {
  id: string;
  name: string;
  label: string;
  value?: string;
  hint?: string | undefined;
  /** the messages of the problems with this field */
  errors?: string[] | undefined;
  control?: 'text' | 'search' | 'password' | 'select' | 'textarea' | 'file';
  options?: readonly { value: string; label: string }[] | undefined;
  required?: boolean;
  autocomplete?: string;
  maxlength?: number;
  accept?: string;
  /** extra class on the wrapper */
  class?: string;
}

export function fieldId(name: string): string {
  return `f-${name.replace(/[^A-Za-z0-9_-]/g, '-')}`;
}

export function FormField(p: FormFieldProps) {
  const hintId = p.hint ? `${p.id}-hint` : undefined;
  const errorId = p.errors && p.errors.length > 0 ? `${p.id}-error` : undefined;
  const describedBy = [hintId, errorId].filter(Boolean).join(' ') || undefined;
  const common = {
    id: p.id,
    name: p.name,
    'aria-describedby': describedBy,
    'aria-invalid': errorId ? 'true' : undefined,
    required: p.required ?? false,
  };
  const control = p.control ?? 'text';
  let input;
  if (control === 'select') {
    input = (
      <select {...common}>
        {(p.options ?? []).map((o) => (
          <option value={o.value} selected={o.value === (p.value ?? '')}>
            {o.label}
          </option>
        ))}
      </select>
    );
  } else if (control === 'textarea') {
    input = (
      <textarea {...common} rows={3} maxlength={p.maxlength}>
        {p.value ?? ''}
      </textarea>
    );
  } else if (control === 'file') {
    input = <input {...common} type="file" accept={p.accept} />;
  } else {
    input = (
      <input
        {...common}
        type={control}
        value={control === 'password' ? undefined : (p.value ?? '')}
        autocomplete={p.autocomplete ?? 'off'}
        spellcheck={false}
        maxlength={p.maxlength}
      />
    );
  }
  return (
    <div class={['field', errorId ? 'invalid' : '', p.class ?? ''].filter(Boolean).join(' ')}>
      <label for={p.id}>
        {p.label}
        {p.required ? <span class="muted"> (required)</span> : null}
      </label>
      {p.hint ? (
        <p class="hint" id={hintId}>
          {p.hint}
        </p>
      ) : null}
      {errorId ? (
        <p class="error" id={errorId}>
          <span class="sr-only">Error: </span>
          {p.errors!.join(' ')}
        </p>
      ) : null}
      {input}
    </div>
  );
}
