/**
 * HL7 table 0119 (order control codes) → what a pharmacy order event means.
 *
 * `new`, `change`, `cancel` become rx.order.new / rx.order.change / rx.order.cancel; `action` says more precisely
 * what happened. Codes marked `null` are valid 0119 codes that do not change an order's state (requests, refusals,
 * links): their order group is kept only as raw text in an `hl7v2.unhandled` event. Codes not in the table are a
 * table-value error (0357 code 103); an empty ORC-1 is a required-field error (101).
 *
 * Consumers upsert by order id: a sender may send NW and then OK for the same order, or RE for an order we have
 * never seen.
 */
export type OrderFamily = 'new' | 'change' | 'cancel';

export interface OrderControl {
  family: OrderFamily;
  action: string;
}

export const ORDER_CONTROL: Readonly<Record<string, OrderControl | null>> = {
  // new
  NW: { family: 'new', action: 'new' }, // new order
  OK: { family: 'new', action: 'accepted' }, // order accepted & OK
  SN: { family: 'new', action: 'number-requested' }, // send order number (filler-originated new order)
  NA: { family: 'new', action: 'number-assigned' }, // number assigned
  CH: { family: 'new', action: 'child' }, // child order
  PA: { family: 'new', action: 'parent' }, // parent order
  OP: { family: 'new', action: 'outside-dispense' }, // notification of order for outside dispense
  // change
  XO: { family: 'change', action: 'change' }, // change order request
  XX: { family: 'change', action: 'change' }, // order changed, unsolicited
  XR: { family: 'change', action: 'change' }, // changed as requested
  RP: { family: 'change', action: 'replace' }, // order replace request
  RU: { family: 'change', action: 'replace' }, // replaced unsolicited
  RO: { family: 'change', action: 'replace' }, // replacement order
  RQ: { family: 'change', action: 'replace' }, // replaced as requested
  PY: { family: 'change', action: 'replace' }, // notification of replacement order for outside dispense
  HD: { family: 'change', action: 'hold' }, // hold order request
  HR: { family: 'change', action: 'hold' }, // on hold as requested
  OH: { family: 'change', action: 'hold' }, // order held
  RL: { family: 'change', action: 'release' }, // release previous hold
  OR: { family: 'change', action: 'release' }, // released as requested
  OE: { family: 'change', action: 'release' }, // order released
  AF: { family: 'change', action: 'refill' }, // order refill request approval
  FU: { family: 'change', action: 'refill' }, // order refilled, unsolicited
  OF: { family: 'change', action: 'refill' }, // order refilled as requested
  SC: { family: 'change', action: 'status' }, // status changed
  RE: { family: 'change', action: 'status' }, // observations/performed service to follow (current state of the order)
  // cancel
  CA: { family: 'cancel', action: 'cancel' }, // cancel order request
  CR: { family: 'cancel', action: 'cancel' }, // canceled as requested
  OC: { family: 'cancel', action: 'cancel' }, // order canceled
  DC: { family: 'cancel', action: 'discontinue' }, // discontinue order request
  DR: { family: 'cancel', action: 'discontinue' }, // discontinued as requested
  OD: { family: 'cancel', action: 'discontinue' }, // order discontinued
  DE: { family: 'cancel', action: 'data-errors' }, // data errors
  // valid, but not a change of the order's state
  RF: null, // refill order request (a question, answered by AF/DF)
  DF: null, // refill request denied
  UA: null, // unable to accept
  UC: null, // unable to cancel
  UD: null, // unable to discontinue
  UF: null, // unable to refill
  UH: null, // unable to put on hold
  UM: null, // unable to replace
  UN: null, // unlink order from patient care problem or goal
  UR: null, // unable to release
  UX: null, // unable to change
  SS: null, // send order status request
  SR: null, // response to send order status request
  RR: null, // request received
  CN: null, // combined result
  LI: null, // link order to patient care problem or goal
  PR: null, // previous results with new order
  MC: null, // miscellaneous charge, not associated with an order
};

/** Order control codes that turn an RDS dispense into a dispense reversal. */
export const DISPENSE_REVERSAL_CODES: ReadonlySet<string> = new Set(['CA', 'CR', 'OC']);
