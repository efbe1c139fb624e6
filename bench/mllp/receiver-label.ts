/** The `receiver` label of the peer baseline in the benchmark's JSON lines. */
export const NODE_HL7_SERVER_LABEL = 'node-hl7-server-2.4.0';
