// The Daraja simulator's phone numbers and what each does (contract §7), for sandbox test payments.
export const TEST_PHONES: { phone: string; outcome: string }[] = [
  { phone: "254708374149", outcome: "Succeeds" },
  { phone: "254711000001", outcome: "Fails: insufficient funds" },
  { phone: "254711001032", outcome: "Fails: cancelled by the customer" },
  { phone: "254711001037", outcome: "Fails: customer unreachable" },
  { phone: "254711002001", outcome: "Fails: wrong PIN" },
  { phone: "254711001019", outcome: "Fails: prompt expired" },
  { phone: "254711000099", outcome: "No callback; reconcile finds it succeeded" },
  { phone: "254711000098", outcome: "No callback; stays processing" },
  { phone: "254711000002", outcome: "Succeeds, callback delivered three times" },
  { phone: "254711000400", outcome: "Rejected at once: invalid phone number" },
  { phone: "254711000423", outcome: "Rejected at once: subscriber locked" },
  { phone: "254711000503", outcome: "Daraja down (503)" },
  { phone: "254711000504", outcome: "Slow answer, then succeeds" },
];
