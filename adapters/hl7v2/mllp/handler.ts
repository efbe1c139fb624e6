/**
 * The seam between the MLLP transport and the HL7 pipeline. The transport knows framing and sockets only; what a
 * payload means, which answer it gets and whether a sender is allowed (MSH-3/MSH-4 against `peerIdentity`) is the
 * handler's business.
 */

export interface MllpConnectionInfo {
  /** unique per connection; appears in every log line about it */
  readonly id: string;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly tls: boolean;
  /** subject CN (else the first SAN) of a verified client certificate (mutual TLS), else undefined */
  readonly peerIdentity?: string;
  /** details of that verified certificate, for allow-lists keyed on more than the CN */
  readonly peerCertificate?: MllpPeerCertificate;
}

export interface MllpPeerCertificate {
  readonly subjectCN?: string;
  /** e.g. ['DNS:ehr.example.org', 'IP Address:10.0.0.5'] */
  readonly subjectAltNames: readonly string[];
  readonly issuerCN?: string;
  readonly serialNumber: string;
  /** SHA-256 fingerprint as printed by Node ("AB:CD:…") */
  readonly fingerprint256: string;
}

/**
 * The answer to one frame: one payload, or several answer frames written in order (enhanced mode: a commit ACK,
 * then an application ACK), or none at all (`[]`, e.g. MSH-15/MSH-16 = NE); the connection stays open either way.
 */
export type MllpAnswer = Uint8Array | readonly Uint8Array[];

export type MllpDiscardReason = 'junk_before_start' | 'closed_mid_frame' | 'idle_timeout_mid_frame';

export interface MllpHandler {
  /**
   * One complete frame payload (the bytes between 0x0B and 0x1C 0x0D); resolves with the answer (see
   * MllpAnswer). Calls from one connection are made one at a time, in order (an HL7 sender waits for each ACK);
   * different connections run concurrently. A rejection closes the connection without an answer, so the sender
   * retries: answer AE/AR for bad messages instead of throwing.
   */
  onMessage(payload: Uint8Array, conn: MllpConnectionInfo): Promise<MllpAnswer>;
  /**
   * A frame exceeded the maximum size: its first bytes (enough to read MSH) are given so that an AR can quote
   * MSA-2; resolve with the AR (the connection stays open), or null to close the connection.
   */
  onOversize(prefix: Uint8Array, conn: MllpConnectionInfo, size: number): Promise<MllpAnswer | null>;
  /**
   * Bytes outside a frame (junk before 0x0B, or a frame cut off by a close or an idle timeout), for quarantine and
   * logging. For a cut-off oversize frame only its prefix is given; `size` is how many bytes were seen.
   */
  onDiscard(bytes: Uint8Array, conn: MllpConnectionInfo, reason: MllpDiscardReason, size: number): void;
}
