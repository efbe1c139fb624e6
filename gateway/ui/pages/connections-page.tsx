import type { MllpStatus } from '../../../adapters/hl7v2/mllp-status.ts';
import type { ResendJob } from '../../../adapters/hl7v2/outbound/resends.ts';
import { Layout } from '../components/layout.tsx';
import { ResendForm, ResendTable, type ResendFormState } from '../components/resend-form.tsx';
import { Instant, Value } from '../components/value.tsx';
import type { PageContext } from '../context.ts';

/**
 * The MLLP listener and who is connected to it now, and the EHRs dispenses go to with what waits for each: the first
 * thing to look at when an EHR says it cannot send, or that nothing arrives.
 */
export function ConnectionsPage(props: { page: PageContext; status: MllpStatus; resends: readonly ResendJob[]; resendForm?: ResendFormState | undefined }) {
  const { page, status } = props;
  const listening = [status.port !== null ? `port ${status.port}` : null, status.tls_port !== null ? `TLS port ${status.tls_port}` : null].filter(Boolean);
  return (
    <Layout title="Connections" page={page} current="connections">
      <h1>Connections</h1>
      <p>
        HL7 v2 over MLLP: listening on {listening.length > 0 ? listening.join(' and ') : 'no port'}, at most {status.max_connections} connections at
        once{status.max_connections_per_address > 0 ? `, ${status.max_connections_per_address} from any one address` : ''}.
        {status.tls_certificate_expires ? (
          <>
            {' '}
            The TLS certificate expires <Instant iso={status.tls_certificate_expires} />.
          </>
        ) : null}
      </p>
      {status.paused_for_buffer > 0 ? (
        <p role="alert">
          {status.paused_for_buffer} {status.paused_for_buffer === 1 ? 'connection is' : 'connections are'} not read from now: the listener holds{' '}
          {status.buffered_bytes} bytes of frames, more than MLLP_MAX_BUFFERED_BYTES ({status.max_buffered_bytes}). They go on as frames are worked off.
        </p>
      ) : null}
      {status.connections.length === 0 ? (
        <p role="status">No sender is connected now.</p>
      ) : (
        <div class="table-wrap">
          <table>
            <caption>Open connections ({status.connections.length}), oldest first</caption>
            <thead>
              <tr>
                <th scope="col">From</th>
                <th scope="col">Security</th>
                <th scope="col">Last sender (MSH-3^MSH-4)</th>
                <th scope="col">Connected since</th>
                <th scope="col">Last message</th>
                <th scope="col" class="num">
                  Messages
                </th>
                <th scope="col" class="num">
                  Answered
                </th>
                <th scope="col" class="num">
                  Waiting
                </th>
              </tr>
            </thead>
            <tbody>
              {status.connections.map((c) => (
                <tr>
                  <th scope="row" class="mono">
                    {c.remote_address}:{c.remote_port}
                  </th>
                  <td>{c.tls ? (c.peer_identity ? `mutual TLS: ${c.peer_identity}` : 'TLS') : 'plain'}</td>
                  <td>
                    <Value v={c.last_sender} />
                  </td>
                  <td>
                    <Instant iso={c.opened_at} />
                  </td>
                  <td>
                    <Instant iso={c.last_frame_at} />
                  </td>
                  <td class="num">{c.frames_in}</td>
                  <td class="num">{c.answered}</td>
                  <td class="num">{c.waiting}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <h2>Outbound to EHRs</h2>
      {status.outbound.length === 0 ? (
        <p>No EHR is configured to receive dispenses (HL7_OUTBOUND_TARGETS).</p>
      ) : (
        <div class="table-wrap">
          <table>
            <caption>EHRs dispenses are sent on to ({status.outbound.length})</caption>
            <thead>
              <tr>
                <th scope="col">Facility</th>
                <th scope="col">EHR</th>
                <th scope="col" class="num">
                  Waiting
                </th>
                <th scope="col">Oldest waiting</th>
                <th scope="col">Latest delivery</th>
                <th scope="col">Last reached it</th>
              </tr>
            </thead>
            <tbody>
              {status.outbound.map((t) => (
                <tr>
                  <th scope="row">{t.facility}</th>
                  <td class="mono">
                    {t.host}:{t.port}
                    {t.tls ? ' (TLS)' : ''}
                  </td>
                  <td class="num">
                    <Value v={t.waiting} />
                  </td>
                  <td>{t.oldest_waiting_s === null ? <Value v={null} /> : t.waiting ? `${t.oldest_waiting_s} s` : 'nothing waits'}</td>
                  <td>
                    {t.last_outcome ? (
                      <>
                        {t.last_outcome}
                        {t.last_ack ? ` (${t.last_ack})` : ''} at <Instant iso={t.last_at} />
                      </>
                    ) : (
                      'none since the gateway started'
                    )}
                  </td>
                  <td>
                    <Instant iso={t.last_sent_at} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {status.outbound.length === 0 ? null : (
        <>
          <h3>Resends</h3>
          <ResendTable page={page} resends={props.resends} />
          <ResendForm page={page} facilities={status.outbound.map((t) => t.facility)} state={props.resendForm} />
        </>
      )}
    </Layout>
  );
}
