// When an eligible survey may show: any one trigger that is set fires it (none set: on page load). A
// fired survey shows only if nothing else did on this page and the budget allows (./index.ts).

import type { SurveyTrigger } from "@attune/sdk";

/** A glob on location.pathname: * any characters, ? one. */
const glob = (pattern: string) =>
  RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`);

/** Arm the trigger; returns what a signal (a tracked event name, or " " + a block rated down) does to it. */
export function arm(trigger: SurveyTrigger, views: number, fire: () => void): (signal: string) => void {
  const { url, pageviews, seconds, scroll, exit_intent, event, thumbs_down } = trigger;
  const set = [url, pageviews, seconds, scroll, event, thumbs_down].some((given) => given != null) || exit_intent;
  if (!set || (url && glob(url).test(location.pathname)) || (pageviews && views >= pageviews)) setTimeout(fire);
  if (seconds) setTimeout(fire, seconds * 1000);
  if (scroll) {
    const far = () => (scrollY + innerHeight) * 100 >= scroll * document.documentElement.scrollHeight && fire();
    addEventListener("scroll", far, { passive: true });
    setTimeout(far); // a page too short to scroll is read to its end
  }
  // desktop only: the pointer leaving through the top of the window, towards the tabs and the address bar
  if (exit_intent && matchMedia("(pointer:fine)").matches) {
    document.addEventListener("mouseout", (leave) => !leave.relatedTarget && leave.clientY <= 0 && fire());
  }
  return (signal) => {
    if (signal === event || (thumbs_down && (signal === ` ${thumbs_down}` || (thumbs_down === "*" && signal[0] === " ")))) fire();
  };
}
