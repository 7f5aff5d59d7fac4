// The block lifecycle: find [data-attune-block] elements, ask for all of them in one decide call,
// swap in the variant (or leave the page's content on timeout, error or holdout), then watch for
// impressions, clicks and ratings. State is written on the element for anyone to observe:
// data-attune-state, data-attune-variant, data-attune-decision.
// At the timeout, blocks the visitor may have seen keep the page's content ("timeout"); the others wait
// for the answer until the SDK's deadline (connection.ts) and get it if still unseen when it comes. A
// variant that would push down what is in view is not shown either ("kept"). Neither is an impression.

import { isRatedDown, type Decision } from "@attune/sdk";
import type { Connection } from "./connection";
import { forgetVisit, pageContext } from "./context";
import { warn } from "./dom";
import type { Ui } from "./host";
import { createImpressions } from "./impressions";
import { BLOCK, watchPage } from "./navigation";
import { createOverlay, type BlockView, type Overlay } from "./overlay";
import { restore, swap, type Build, type Original } from "./render";
import { keep } from "./styles";

export type BlockState = "pending" | "personalized" | "fallback" | "timeout" | "kept" | "error";

interface Block extends BlockView {
  element: HTMLElement;
  id: string;
  page: string; // the path it was last asked for
  ask: number; // the decide call whose answer it waits for
  original?: Original;
  overlay?: Overlay;
}

export interface Engine {
  start(): void;
  ready: Promise<void>;
  /** Decide every block on the page again (consent changed, or asked for). */
  refresh(): Promise<void>;
}

const KEEP_PAGE = /holdout|disabled/; // the page's own content is the decision's fallback

export function createEngine(connection: Connection, timeoutMs: number, load: () => Promise<Ui>): Engine {
  const blocks = new WeakMap<Element, Block>();
  const sent: Record<string, boolean> = {}; // decision ids whose impression was sent
  const client = () => connection.client();
  let asks = 0;
  let personalized = connection.personalized(); // what the blocks on show were (or are being) decided with
  let scheduled = false;
  let build: Build | undefined; // the lazy chunk's, for blocks without field markers
  let deciding = 0; // a consent change heard while a decide is out is the answer's own (the server's GPC signal)
  let reach = 0; // the furthest down the visitor has scrolled
  let markReady: () => void;
  const ready = new Promise<void>((resolve) => (markReady = resolve));

  const impressions = createImpressions((element) => {
    const decision = blocks.get(element)!.decision;
    if (!decision || sent[decision.decision_id]) return;
    sent[decision.decision_id] = true;
    client().track({ type: "impression", decision_id: decision.decision_id });
  });

  const mark = (block: Block, name: string, value?: string) =>
    value ? block.element.setAttribute(`data-attune-${name}`, value) : block.element.removeAttribute(`data-attune-${name}`);
  const draw = (block: Block) => block.overlay!.update(block);
  /** In view, within 200 px below it, or scrolled past: its content may have been seen. */
  const seen = (block: Block) => block.element.getBoundingClientRect().top + scrollY < Math.max(reach, scrollY) + innerHeight + 200;

  /** Blocks that need a decision: new ones, ones last asked for another path, or all of them. */
  function collect(all: boolean): Block[] {
    const page = location.pathname;
    return [...document.querySelectorAll<HTMLElement>(BLOCK)].filter((element) => {
      const id = element.getAttribute("data-attune-block") || "";
      let block = blocks.get(element);
      if (!block) blocks.set(element, (block = { element, id } as Block)); // the rest is set when first shown
      const due = id && (all || block.page !== page || block.id !== id);
      block.id = id;
      block.page = page;
      return due;
    }).map((element) => blocks.get(element)!);
  }

  async function run(list: Block[]): Promise<void> {
    if (!list.length) return;
    const ask = ++asks;
    list.forEach((block) => {
      block.ask = ask;
      if (!block.decision) mark(block, "state", "pending");
    });
    const ids = [...new Set(list.map((block) => block.id))];
    const context = pageContext(client().consent.get().storage, connection.storage);
    let decisions: Decision[] = [];
    let failed: BlockState = "error";
    let late: unknown;
    // past the timeout, what the visitor may have seen keeps the page's content, and the answer is not for it
    const expire = () => list.forEach((block) => block.ask === ask && seen(block) && show(block, undefined, "timeout"));
    const timer = setTimeout(() => {
      late = 1;
      expire();
    }, timeoutMs);
    deciding++;
    try {
      // a block without field markers is filled by the lazy chunk: fetched beside the decision
      if (list.some((block) => !block.element.querySelector("[data-attune-field]"))) build = build || (await load()).build;
      decisions = await connection.decide(ids, context);
    } catch (error) {
      if (late) failed = "timeout"; // the SDK gave up at its deadline
      else warn(error);
    }
    clearTimeout(timer);
    deciding--;
    personalized = connection.personalized();
    if (late) expire(); // seen since the timeout
    list.forEach((block) => {
      if (block.ask === ask) show(block, decisions.filter((d) => d.block === block.id)[0], failed); // else a later call owns it
    });
  }

  /** Show a decision (the variant, or the page's content for holdout and rated-down), or none. */
  function show(block: Block, decision: Decision | undefined, failed: BlockState): void {
    const element = block.element;
    const overlay = (block.overlay = block.overlay || createOverlay(element, load, (value) => rate(block, value)));
    const height = getComputedStyle(element).height; // before: a shorter variant keeps the block's height
    const after = new Range(); // what follows the block on the page
    after.setStartAfter(element);
    after.setEndAfter(document.body);
    const below = after.getBoundingClientRect();
    block.swapped = !!decision && !KEEP_PAGE.test(decision.explain.reason);
    if (block.swapped) block.original = swap(element, decision!.content, block.original, overlay.host, build);
    // Taller, with what follows it in view: growing would move what the visitor reads (a layout-shift score up
    // to growth / the viewport's larger side: 2 px of rounding scores under 0.004), so the page's content stays, unlogged.
    if (block.swapped && below.height && below.top < innerHeight && parseFloat(getComputedStyle(element).height) - parseFloat(height) > 2) {
      decision = undefined;
      failed = "kept";
      block.swapped = false;
    }
    if (!block.swapped) restore(element, block.original, overlay.host);
    block.decision = decision;
    block.rated = null;
    block.ratedDown = false; // the server leaves out what this visitor rated down
    mark(block, "variant", decision && decision.variant);
    mark(block, "decision", decision && decision.decision_id);
    mark(block, "state", !decision ? failed : block.swapped ? "personalized" : "fallback");
    if (decision) {
      keep(element, decision.decision_id, height);
      draw(block);
      impressions.watch(element);
    } else {
      block.ask = 0; // the page's content stays: a late answer is not for this block
      overlay.host.remove();
      impressions.unwatch(element);
    }
  }

  function rate(block: Block, value: number): void {
    const decision = block.decision;
    if (!decision || block.rated !== null) return;
    block.rated = value;
    client().rate(decision.decision_id, value, connection.measure && connection.measure());
    if (isRatedDown(decision.feedback, value)) {
      connection.signals.push(" " + block.id); // a survey may ask what the visitor was looking for
      block.ratedDown = true; // back to the page's own content, for this visitor from now on
      block.swapped = false;
      restore(block.element, block.original, block.overlay!.host);
      mark(block, "state", "fallback");
    }
    draw(block);
  }

  // A click on a link in a shown block: sent at once by beacon, so navigation need not wait.
  function onClick(event: Event): void {
    const link = (event.target as Element).closest && (event.target as Element).closest("a[href]");
    const block = link && blocks.get(link.closest(BLOCK)!);
    if (!block || !block.decision || block.ratedDown) return;
    client().track({ type: "click", decision_id: block.decision.decision_id });
    client().flush({ beacon: true });
  }

  const refresh = () => run(collect(true));

  function begin(): void {
    addEventListener("click", onClick, true);
    addEventListener("scroll", () => (reach = Math.max(reach, scrollY)));
    connection.onConsent(() => {
      if (!connection.consent.get().storage) forgetVisit();
      if (deciding || connection.personalized() === personalized) return;
      personalized = !personalized;
      refresh(); // the non-profiled choice, or back
    });
    watchPage(() => {
      if (scheduled) return;
      scheduled = true;
      setTimeout(() => {
        scheduled = false;
        run(collect(false)); // one decide call for everything that changed in this task
      });
    });
    run(collect(false)).then(markReady, markReady);
  }

  return {
    start() {
      if (document.readyState === "loading") addEventListener("DOMContentLoaded", begin);
      else begin();
    },
    ready,
    refresh,
  };
}
