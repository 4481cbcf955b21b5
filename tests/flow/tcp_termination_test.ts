/**
 * The TCP termination state machine (src/flow/tcp_termination.ts, spec §3.4):
 * one test per transition of each rule set, and the slab writer.
 */
import assert from "node:assert/strict";
import {
  closeReason,
  isReadyToClose,
  mayChangeTcpState,
  nextTcpState,
  TcpRules,
  TcpState,
  tcpState,
  updateTcpState,
} from "../../src/flow/tcp_termination.ts";
import { flowBase, FlowSlab } from "../../src/flow/flow_slab.ts";
import { F } from "./flow_harness.ts";

const FWD = true, BWD = false;
const { Corrected, Engelen, EngelenFirst } = TcpRules;
const S = TcpState;

/** The state after each packet [flags, forward?] from Open. */
function run(rules: TcpRules, packets: [number, boolean][], from: TcpState = S.Open): TcpState {
  let state = from;
  for (const [flags, fwd] of packets) state = nextTcpState(state, flags, fwd, rules);
  return state;
}

Deno.test("corrected: a FIN is noted for the side that sent it", () => {
  assert.equal(nextTcpState(S.Open, F.FIN | F.ACK, FWD, Corrected), S.FinFwd);
  assert.equal(nextTcpState(S.Open, F.FIN, BWD, Corrected), S.FinBwd);
  assert.equal(nextTcpState(S.FinFwd, F.FIN | F.ACK, BWD, Corrected), S.FinBoth);
  assert.equal(nextTcpState(S.FinBwd, F.FIN, FWD, Corrected), S.FinBoth);
  assert.equal(nextTcpState(S.FinFwd, F.FIN, FWD, Corrected), S.FinFwd, "a repeated FIN changes nothing");
});

Deno.test("corrected: the ACK after both FINs makes the flow ready; an ACK before does not", () => {
  assert.equal(nextTcpState(S.FinBoth, F.ACK, FWD, Corrected), S.ReadyFin);
  assert.equal(nextTcpState(S.FinBoth, F.ACK, BWD, Corrected), S.ReadyFin);
  assert.equal(nextTcpState(S.FinFwd, F.ACK, BWD, Corrected), S.FinFwd);
  assert.equal(nextTcpState(S.Open, F.ACK, FWD, Corrected), S.Open);
  // The second side's FIN+ACK completes the FINs; its own ACK does not count yet.
  assert.equal(run(Corrected, [[F.FIN | F.ACK, FWD], [F.FIN | F.ACK, BWD]]), S.FinBoth);
  assert.equal(run(Corrected, [[F.FIN | F.ACK, FWD], [F.FIN | F.ACK, BWD], [F.ACK, FWD]]), S.ReadyFin);
  assert.equal(nextTcpState(S.FinBoth, F.SYN, FWD, Corrected), S.FinBoth);
});

Deno.test("corrected: an RST makes the flow ready from any open state, FIN or not", () => {
  for (const from of [S.Open, S.FinFwd, S.FinBwd, S.FinBoth]) {
    assert.equal(nextTcpState(from, F.RST, FWD, Corrected), S.ReadyRst);
    assert.equal(nextTcpState(from, F.RST | F.FIN | F.ACK, BWD, Corrected), S.ReadyRst);
  }
});

Deno.test("a ready flow stays as it is, whatever comes (all rules)", () => {
  for (const rules of [Corrected, Engelen, EngelenFirst]) {
    for (const ready of [S.ReadyFin, S.ReadyRst]) {
      for (const flags of [F.FIN, F.RST, F.ACK, F.SYN, F.FIN | F.ACK]) {
        assert.equal(nextTcpState(ready, flags, FWD, rules), ready);
        assert.equal(nextTcpState(ready, flags, BWD, rules), ready);
      }
    }
  }
});

Deno.test("engelen, first packet: only its FIN is noted; RST and ACK do nothing", () => {
  assert.equal(nextTcpState(S.Open, F.FIN | F.ACK, FWD, EngelenFirst), S.FinFwd);
  assert.equal(nextTcpState(S.Open, F.FIN, BWD, EngelenFirst), S.FinBwd);
  assert.equal(nextTcpState(S.Open, F.RST, FWD, EngelenFirst), S.Open);
  assert.equal(nextTcpState(S.Open, F.ACK, FWD, EngelenFirst), S.Open);
});

Deno.test("engelen: any FIN is the fork's first FIN", () => {
  assert.equal(nextTcpState(S.Open, F.FIN | F.ACK, FWD, Engelen), S.FirstFinFwd);
  assert.equal(nextTcpState(S.Open, F.FIN, BWD, Engelen), S.FirstFinBwd);
  // After a first packet with a FIN, the next FIN is still the first the fork counts.
  assert.equal(nextTcpState(S.FinFwd, F.FIN, BWD, Engelen), S.FirstFinBoth);
  assert.equal(nextTcpState(S.FinFwd, F.FIN, FWD, Engelen), S.FirstFinFwd);
});

Deno.test("engelen: a FIN after the first, once both sides have sent one, is the second", () => {
  assert.equal(nextTcpState(S.FirstFinFwd, F.FIN | F.ACK, BWD, Engelen), S.SecondFin);
  assert.equal(nextTcpState(S.FirstFinBwd, F.FIN, FWD, Engelen), S.SecondFin);
  assert.equal(nextTcpState(S.FirstFinBoth, F.FIN, FWD, Engelen), S.SecondFin);
  assert.equal(nextTcpState(S.FirstFinFwd, F.FIN, FWD, Engelen), S.FirstFinFwd, "the same side again");
  assert.equal(nextTcpState(S.SecondFin, F.FIN, BWD, Engelen), S.SecondFin);
});

Deno.test("engelen: the ACK after the second FIN makes the flow ready; an ACK before does not", () => {
  assert.equal(nextTcpState(S.SecondFin, F.ACK, FWD, Engelen), S.ReadyFin);
  for (const from of [S.Open, S.FinFwd, S.FirstFinFwd, S.FirstFinBoth]) {
    assert.equal(nextTcpState(from, F.ACK, BWD, Engelen), from);
  }
  assert.equal(run(Engelen, [[F.FIN | F.ACK, FWD], [F.FIN | F.ACK, BWD], [F.ACK, FWD]]), S.ReadyFin);
});

Deno.test("engelen: an RST makes the flow ready unless the packet also has a FIN (FIN is tested first)", () => {
  for (const from of [S.Open, S.FinBwd, S.FirstFinFwd, S.SecondFin]) {
    assert.equal(nextTcpState(from, F.RST | F.ACK, FWD, Engelen), S.ReadyRst);
  }
  assert.equal(nextTcpState(S.Open, F.RST | F.FIN, FWD, Engelen), S.FirstFinFwd);
  assert.equal(nextTcpState(S.SecondFin, F.RST | F.FIN, FWD, Engelen), S.SecondFin);
});

Deno.test("mayChangeTcpState is false only where no rule set moves the state (the meter's per-packet shortcut)", () => {
  let skipped = 0;
  for (const state of Object.values(S)) {
    for (let flags = 0; flags < 256; flags++) {
      if (mayChangeTcpState(state, flags)) continue;
      skipped++;
      for (const rules of [Corrected, EngelenFirst, Engelen]) {
        for (const fwd of [FWD, BWD]) {
          assert.equal(
            nextTcpState(state, flags, fwd, rules),
            state,
            `state ${state}, flags ${flags}, rules ${rules}`,
          );
        }
      }
    }
  }
  assert.equal(skipped, 64, "an open flow skips every flag byte without FIN and RST, no other state skips");
  assert.equal(mayChangeTcpState(S.Open, F.FIN | F.ACK), true);
  assert.equal(mayChangeTcpState(S.Open, F.RST), true);
  assert.equal(mayChangeTcpState(S.FinBoth, F.ACK), true, "the final ACK must reach the state machine");
});

Deno.test("updateTcpState writes the slab cell and reports only the step that makes a flow ready", () => {
  const slab = new FlowSlab(2);
  slab.allocate();
  const slot = slab.allocate();
  const c = slab.cellsOf(slot), b = flowBase(slot);
  assert.equal(tcpState(c, b), S.Open, "a fresh slot is Open");
  assert.equal(updateTcpState(c, b, F.FIN | F.ACK, FWD, Corrected), false);
  assert.equal(tcpState(c, b), S.FinFwd);
  assert.equal(updateTcpState(c, b, F.FIN | F.ACK, BWD, Corrected), false);
  assert.equal(updateTcpState(c, b, F.ACK, FWD, Corrected), true);
  assert.equal(tcpState(c, b), S.ReadyFin);
  assert.equal(updateTcpState(c, b, F.RST, FWD, Corrected), false, "already ready");
  assert.equal(tcpState(c, b), S.ReadyFin);
  assert.equal(tcpState(c, flowBase(0)), S.Open, "the other slot is untouched");
});

Deno.test("closeReason and isReadyToClose name the end of a flow by its state", () => {
  assert.equal(closeReason(S.ReadyFin), "fin");
  assert.equal(closeReason(S.ReadyRst), "rst");
  for (const open of [S.Open, S.FinBoth, S.SecondFin]) {
    assert.equal(closeReason(open), "end");
    assert.equal(isReadyToClose(open), false);
  }
  assert.ok(isReadyToClose(S.ReadyFin) && isReadyToClose(S.ReadyRst));
});
