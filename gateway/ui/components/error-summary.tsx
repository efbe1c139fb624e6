/**
 * The problems of a form submission at the top of the page, each a link to its field (the message beside the
 * field says the same). It takes the focus when the page loads, so keyboard and screen reader users start here.
 */
export interface SummaryProblem {
  label: string;
  message: string;
  /** the id of the control to jump to; none for problems that belong to no field */
  target?: string | undefined;
}

export function ErrorSummary(props: { problems: SummaryProblem[]; title?: string }) {
  if (props.problems.length === 0) return null;
  const n = props.problems.length;
  return (
    <div class="summary" role="alert" tabindex={-1} autofocus aria-labelledby="summary-title">
      <h2 id="summary-title">{props.title ?? (n === 1 ? 'There is a problem' : `There are ${n} problems`)}</h2>
      <ul>
        {props.problems.map((p) => (
          <li>
            {p.target ? (
              <a href={`#${p.target}`}>
                {p.label}: {p.message}
              </a>
            ) : (
              <span>
                {p.label}: {p.message}
              </span>
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}
