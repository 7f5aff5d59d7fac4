// The preference center: a modal dialog with the three consent categories (off explained as the
// non-profiled experience), the visitor's interests, what the site knows (traits, ratings with their
// effect and an Undo for hidden variants), the consent history, Download my data and Erase my data.

import { visitorRights, type Categories, type PrivacySettings, type Profile } from "@attune/sdk";
import { h, label, warn } from "../dom";
import type { Core as Host } from "./host";
import { direction, modal, ownRoot } from "./kit";
import { fill, pageLanguage, type Texts } from "./texts";

const CATEGORIES: (keyof Categories)[] = ["personalization", "feedback", "measurement"];

export function createCenter(host: Host, settings: () => Promise<PrivacySettings | null>, textsOf: (s: PrivacySettings | null) => Texts) {
  const rights = visitorRights(host);
  let dialog: HTMLDialogElement | undefined;
  let opener: Element | null | undefined;

  return async (from?: Element | null) => {
    opener = from || document.activeElement;
    const site = await settings();
    const t = textsOf(site);
    const root = ownRoot();
    if (dialog) dialog.remove();
    dialog = h("dialog", { role: "dialog", "aria-modal": "true", "aria-labelledby": "center", dir: direction() });
    const shut = modal(root, dialog, () => opener);
    const status = h("p", { role: "status" });
    const say = (text: string) => (status.textContent = text);
    const failed = (error: unknown) => {
      warn(error);
      say(t.failed);
    };
    const date = (ms: number) => new Date(ms).toLocaleDateString(pageLanguage());
    const button = (text: string, action: () => unknown) => {
      const made = h("button", { type: "button" });
      label(made, text);
      made.onclick = action;
      return made;
    };
    const checkbox = (id: string, checked: boolean, text: string, about?: string) => {
      const input = h("input", { type: "checkbox", id });
      input.checked = checked;
      if (about) input.setAttribute("aria-describedby", `${id}-about`);
      return [input, h("div", { class: "cat" }, input, " ", h("label", { for: id }, text),
        about ? h("p", { id: `${id}-about` }, about) : "")] as const;
    };

    // the categories, and the quick way to the non-profiled experience
    const state = host.state();
    const boxes = CATEGORIES.map((name) => checkbox(`use-${name}`, state[name], t[name], t[`${name}_text` as keyof Texts]));
    const chosen = (): Categories => ({ personalization: boxes[0][0].checked, feedback: boxes[1][0].checked, measurement: boxes[2][0].checked });
    const save = (categories: Categories) => {
      host.answer(categories, "preferences");
      say(t.saved);
      void fillData();
    };
    const uses = h("fieldset", null, h("legend", null, t.uses), ...boxes.map(([, row]) => row));
    const usesActions = h("p", { class: "actions" }, button(t.save, () => save(chosen())), button(t.off, () => {
      boxes[0][0].checked = false;
      save(chosen());
    }));

    // what is kept: filled from the profile, again after every change
    const data = h("div");
    async function fillData(): Promise<void> {
      const visitor = host.visitor();
      let profile: Profile = { interests: [], traits: {}, profile_traits: [], ratings: [], consents: [] };
      try {
        if (visitor) profile = await rights.profile(visitor);
      } catch (error) {
        failed(error);
      }
      data.replaceChildren(...interests(profile), ...known(profile), ...yourData(visitor));
    }

    function interests(profile: Profile): Node[] {
      const offered = (site && site.interests) || [];
      if (!offered.length) return [];
      const allowed = host.state().personalization;
      const picks = offered.map((interest) => checkbox(`interest-${interest.id}`, profile.interests.indexOf(interest.id) >= 0, interest.label));
      picks.forEach(([input]) => (input.disabled = !allowed));
      const saveThem = button(t.save_interests, async () => {
        const ids = offered.filter((_, i) => picks[i][0].checked).map((interest) => interest.id);
        try {
          await rights.saveInterests(host.visitor(true)!, ids);
          say(t.saved);
          void host.refresh(); // chosen interests reach decide as traits
        } catch (error) {
          failed(error);
        }
      });
      saveThem.disabled = !allowed;
      return [h("fieldset", null, h("legend", null, t.interests), h("p", null, allowed ? t.interests_text : t.interests_off),
        ...picks.map(([, row]) => row), h("p", { class: "actions" }, saveThem))];
    }

    function known(profile: Profile): Node[] {
      const traits = Object.keys(profile.traits).map((name) => h("li", null, `${name}: ${profile.traits[name]}`));
      const ratings = profile.ratings.map((rating) => h("li", null, fill(t.rated, { date: date(rating.rated_at), effect: rating.effect }),
        " ", rating.hidden ? button(t.undo, async () => {
          try {
            await rights.undoRating(host.visitor()!, rating.decision_id);
            say(t.undone);
            await host.refresh(); // the block may show the variant again
            await fillData();
          } catch (error) {
            failed(error);
          }
        }) : ""));
      const choices = (categories: Categories) => CATEGORIES.map((name) => `${t[name]} ${categories[name] ? t.allowed : t.refused}`).join(", ");
      const history = profile.consents.map((consent) => h("li", null, fill(t.consented, {
        date: date(consent.recorded_at),
        source: t[`source_${consent.source}` as keyof Texts] || consent.source,
        choices: choices(consent.categories),
      })));
      const list = (title: string, items: Node[]) => (items.length ? [h("h3", null, title), h("ul", null, ...items)] : []);
      const nothing = traits.length + ratings.length + history.length ? [] : [h("p", null, t.nothing)];
      return [h("h3", null, t.known), ...nothing, ...(traits.length ? [h("ul", null, ...traits)] : []),
        ...list(t.ratings, ratings), ...list(t.history, history)];
    }

    function yourData(visitor: string | null): Node[] {
      if (!visitor) return [];
      const confirm = h("p", { hidden: "" }, t.erase_confirm, " ");
      const download = button(t.download, async () => {
        try {
          const everything = await rights.exportData(visitor);
          const url = URL.createObjectURL(new Blob([JSON.stringify(everything, null, 2)], { type: "application/json" }));
          const link = h("a", { href: url, download: `${host.site}-my-data.json` });
          root.append(link);
          link.click(); // a download from a blob: URL needs no inline script and no eval
          link.remove();
          setTimeout(() => URL.revokeObjectURL(url), 60_000);
        } catch (error) {
          failed(error);
        }
      });
      const erase = button(t.erase, () => {
        confirm.hidden = false;
        (confirm.querySelector("button") as HTMLElement).focus();
      });
      const cancel = button(t.cancel, () => {
        confirm.hidden = true;
        erase.focus();
      });
      confirm.append(button(t.erase_yes, async () => {
        try {
          await rights.erase(visitor);
          host.forget(); // the device is cleared: the next decision is a new visitor's
          say(t.erased);
          await host.refresh();
          await fillData();
          boxes.forEach(([input], i) => (input.checked = host.state()[CATEGORIES[i]]));
          status.tabIndex = -1;
          status.focus();
        } catch (error) {
          failed(error);
        }
      }), " ", cancel);
      return [h("h3", null, t.your_data), h("p", { class: "actions" }, download, erase), confirm];
    }

    const gpcNote = state.gpc ? h("p", null, t.gpc_note) : "";
    dialog.append(h("h2", { id: "center" }, t.settings), h("p", null, t.intro), gpcNote, uses, usesActions, data, status,
      h("p", { class: "actions" }, button(t.close, shut)));
    root.append(dialog);
    await fillData();
    dialog.showModal();
    boxes[0][0].focus();
  };
}
