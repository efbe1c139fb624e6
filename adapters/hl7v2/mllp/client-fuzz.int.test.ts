import { afterAll, describe, expect, it } from 'vitest';
import { readAck } from '../ack-read.ts';
import { createPrng, type Prng } from '../testing/prng.ts';
import { MUTATION_NAMES, MUTATIONS } from '../testing/mutations.ts';
import { createMllpClient, type MllpClient } from './client.ts';
import { MllpDeliveryError, type MllpAttemptOutcome } from './errors.ts';
import { frame } from './framing.ts';
import { PHI_MARKER, rdeMessage } from './testkit/messages.ts';
import { captureLogs } from './testkit/log-capture.ts';
import { controlIdOf, minimalAck } from './testkit/minimal-ack.ts';
import { startScriptedPeer, type ScriptStep } from './testkit/scripted-peer.ts';

/**
 * An EHR that answers the outbound client with whatever a broken or hostile receiver can send: damaged ACKs, ACKs of
 * other messages, unframed junk, random frames, half a frame and a hang-up, an answer a byte at a time, a frame over
 * the size limit, silence, an answer after the timeout. Each message is sent with the answer matcher the outbound
 * worker uses (MSA-2 read by `readAck`). Properties, for every send:
 * - it settles within what its retry policy allows — no hang;
 * - it resolves only with an answer whose MSA-2 is its own MSH-10, or rejects with MllpDeliveryError holding one
 *   to `attempts` attempts, each with a known outcome — nothing else is thrown, nothing is left unhandled;
 * - the answers the EHR gave to other messages are never taken for its own.
 * And the client logs no message content. Four clients send at once. FUZZ_CLIENT_ITERATIONS (default 2000) and
 * FUZZ_CLIENT_SEED widen or vary a run; the EHR draws its choices from the seed in the order frames reach it, which
 * socket timing decides, so a failure names the send and the choice rather than promising a replay.
 */
const ITERATIONS = Number(process.env['FUZZ_CLIENT_ITERATIONS'] ?? 2000);
const SEED = Number(process.env['FUZZ_CLIENT_SEED'] ?? 20_261_207);
const ANSWER_TIMEOUT_MS = 20;
const ATTEMPTS = 3;
const CLIENTS = 4;
const MAX_FRAME_BYTES = 4096;
const OUTCOMES: ReadonlySet<MllpAttemptOutcome> = new Set([
  'answered',
  'connect_failed',
  'connect_timeout',
  'answer_timeout',
  'closed_before_answer',
  'write_failed',
] as MllpAttemptOutcome[]);

type Behaviour = (payload: Uint8Array, prng: Prng) => ScriptStep;

const randomBytes = (prng: Prng, n: number) => Uint8Array.from({ length: n }, () => prng.int(256));
const other = (payload: Uint8Array) => rdeMessage(`NOT-${controlIdOf(payload)}`);

/** What the EHR does with one message. `ack` is the right answer; most others are not answers at all. */
const BEHAVIOURS: Readonly<Record<string, Behaviour>> = {
  ack: (payload) => ({ answers: [minimalAck(payload, 'AA')] }),
  refusal: (payload, prng) => ({ answers: [minimalAck(payload, prng.pick(['AE', 'AR', 'CA', 'CE', 'CR'] as const))] }),
  damagedAck: (payload, prng) => {
    let answer = minimalAck(payload, 'AA');
    for (let i = 1 + prng.int(3); i > 0; i--) answer = MUTATIONS[prng.pick(MUTATION_NAMES)]!(answer, prng);
    return { raw: [Buffer.concat([Uint8Array.of(0x0b), answer, Uint8Array.of(0x1c, 0x0d)])] }; // may hold 0x0B or 0x1C
  },
  ackOfAnotherMessage: (payload) => ({ answers: [minimalAck(Buffer.from(other(payload), 'latin1'), 'AA')] }),
  anotherThenOwn: (payload) => ({ answers: [minimalAck(Buffer.from(other(payload), 'latin1'), 'AA'), minimalAck(payload, 'AA')] }),
  unframedJunk: (_payload, prng) => ({ raw: [randomBytes(prng, 1 + prng.int(300))] }),
  junkThenOwn: (payload, prng) => ({ raw: [randomBytes(prng, 1 + prng.int(300))], answers: [minimalAck(payload, 'AA')] }),
  randomFrame: (_payload, prng) => ({ answers: [randomBytes(prng, prng.int(400)).map((b) => (b === 0x1c || b === 0x0b ? 0x20 : b))] }),
  halfThenHangUp: (payload, prng) => {
    const framed = frame(minimalAck(payload, 'AA'));
    return { raw: [framed.subarray(0, 1 + prng.int(framed.length - 2))], close: true };
  },
  byteByByte: (payload) => ({ raw: [...frame(minimalAck(payload, 'AA'))].map((b) => Uint8Array.of(b)) }),
  oversize: (payload) => ({ answers: [Buffer.concat([minimalAck(payload, 'AA'), Buffer.alloc(MAX_FRAME_BYTES, 0x41)])] }),
  hangUp: () => ({ close: true }),
  silence: () => ({}),
  late: (payload) => ({ delayMs: ANSWER_TIMEOUT_MS + 20, answers: [minimalAck(payload, 'AA')] }),
};
const BEHAVIOUR_NAMES = Object.keys(BEHAVIOURS);

describe('MLLP client against a broken EHR', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  });

  it(`settles every one of ${ITERATIONS} sends with its own answer or a delivery error (seed ${SEED})`, { timeout: 300_000 }, async () => {
    const prng = createPrng(SEED);
    const chosen = new Map<string, string>(); // frame control id → behaviour, for the failure message
    const peer = await startScriptedPeer(({ payload }) => {
      const name = prng.pick(BEHAVIOUR_NAMES);
      chosen.set(controlIdOf(payload) ?? '', name);
      return BEHAVIOURS[name]!(payload, prng);
    });
    cleanups.push(() => peer.close());
    const logs = captureLogs();
    // The longest a send may take: every attempt waits out its answer timeout (a connection is local and quick).
    const boundMs = ATTEMPTS * (ANSWER_TIMEOUT_MS + 1000) + 2000;
    const stats = { answered: 0, failed: 0, attempts: 0 };

    // Four clients at once, as four outbound workers would be, each sending its share one message at a time.
    const sendShare = async (worker: number) => {
      const client = createMllpClient({
        host: '127.0.0.1',
        port: peer.port,
        logger: logs.logger,
        answerTimeoutMs: ANSWER_TIMEOUT_MS,
        connectTimeoutMs: 1000,
        maxFrameBytes: MAX_FRAME_BYTES,
        retry: { attempts: ATTEMPTS, initialDelayMs: 1, multiplier: 1, maxDelayMs: 1, jitter: 0 },
      });
      try {
        for (let i = worker; i < ITERATIONS; i += CLIENTS) await sendOne(client, i);
      } finally {
        await client.close();
      }
    };
    const sendOne = async (client: MllpClient, i: number) => {
      const controlId = `FZ${i}`;
      const sending = client.send(Buffer.from(rdeMessage(controlId), 'latin1'), (answer) => readAck(answer)?.controlId === controlId);
      let timer: NodeJS.Timeout | undefined;
      const hang = new Promise<'hang'>((resolve) => (timer = setTimeout(() => resolve('hang'), boundMs)));
      const outcome = await Promise.race([sending.then((r) => ({ ok: r }), (err: unknown) => ({ err })), hang]);
      clearTimeout(timer);
      const what = `send ${i} (seed ${SEED}; the EHR's last choice: ${chosen.get(controlId)})`;
      if (outcome === 'hang') throw new Error(`${what}: not settled within ${boundMs} ms`);
      if ('ok' in outcome) {
        expect(readAck(outcome.ok.answer)?.controlId, what).toBe(controlId);
        expect(outcome.ok.attempts.at(-1)!.outcome, what).toBe('answered');
        stats.answered++;
        stats.attempts += outcome.ok.attempts.length;
      } else {
        const err = outcome.err;
        if (!(err instanceof MllpDeliveryError)) throw new Error(`${what}: threw ${String(err)}`);
        expect(err.attempts.length, what).toBe(ATTEMPTS);
        for (const attempt of err.attempts) expect(OUTCOMES.has(attempt.outcome), `${what}: ${attempt.outcome}`).toBe(true);
        stats.failed++;
        stats.attempts += err.attempts.length;
      }
    };
    await Promise.all(Array.from({ length: CLIENTS }, (_, worker) => sendShare(worker)));

    console.log(JSON.stringify({ fuzz: 'mllp-client', iterations: ITERATIONS, seed: SEED, ...stats, connections: peer.connections() }));
    expect(stats.answered).toBeGreaterThan(ITERATIONS / 10); // both ends exercised, whatever the load on the machine
    expect(stats.failed).toBeGreaterThan(0);
    expect(logs.text()).not.toContain(PHI_MARKER);
  });
});
