// The writing desk (article change form): tag list, byline chooser, counters, previews,
// autosave, presence heartbeat and Ctrl+S. Plain JS; the form works without it.
document.addEventListener("DOMContentLoaded", () => {
  "use strict";
  const form = document.getElementById("article_form");
  const status = document.getElementById("desk-status");
  if (!form || !status) return;
  const csrf = () => form.querySelector("input[name=csrfmiddlewaretoken]").value;
  const say = (el, text) => { if (el) el.textContent = text; };

  // --- tags: one field, shown as a keyboard-operable list of chips --------------------------
  function splitTags(text) {
    const names = []; let current = ""; let quoted = false;
    for (const ch of text) {
      if (ch === '"') quoted = !quoted;
      else if ((ch === "," || ch === "\n" || ch === "\r") && !quoted) { names.push(current); current = ""; }
      else current += ch;
    }
    names.push(current);
    return names.map((n) => n.replace(/\s+/g, " ").trim()).filter(Boolean);
  }
  function tagList(textarea) {
    const root = textarea.closest("[data-tag-list-root]");
    const chips = root.querySelector(".tag-list__chips");
    const live = root.querySelector(".tag-list__status");
    let tags = splitTags(textarea.value);
    const entry = document.createElement("input");
    entry.type = "text";
    entry.className = "tag-list__entry";
    entry.id = textarea.id;
    entry.setAttribute("list", textarea.id + "_suggestions");
    entry.setAttribute("autocomplete", "off");
    entry.setAttribute("aria-describedby", textarea.getAttribute("aria-describedby") || "");
    textarea.id = textarea.id + "_value";
    textarea.hidden = true;
    const datalist = document.createElement("datalist");
    datalist.id = entry.id + "_suggestions";
    chips.hidden = false;
    chips.setAttribute("aria-label", "Tags, in order");
    root.append(entry, datalist);
    const sync = () => {
      textarea.value = tags.map((t) => (t.includes(",") ? `"${t}"` : t)).join(", ");
      textarea.dispatchEvent(new Event("input", { bubbles: true }));
    };
    const render = (focusIndex) => {
      chips.replaceChildren(...tags.map((name, i) => {
        const li = document.createElement("li");
        li.className = "tag-list__chip";
        li.tabIndex = 0;
        li.dataset.index = i;
        li.setAttribute("aria-label", `${name}, tag ${i + 1} of ${tags.length}`);
        const label = document.createElement("span");
        label.textContent = name;
        const remove = document.createElement("button");
        remove.type = "button";
        remove.textContent = "✕";
        remove.setAttribute("aria-label", `Remove tag ${name}`);
        remove.addEventListener("click", () => removeAt(i));
        li.append(label, remove);
        return li;
      }));
      if (focusIndex !== undefined) {
        const target = chips.children[Math.min(focusIndex, tags.length - 1)];
        (target || entry).focus();
      }
    };
    const add = (names) => {
      const seen = new Set(tags.map((t) => t.toLowerCase()));
      let added = 0;
      for (const name of names) {
        if (!seen.has(name.toLowerCase())) { tags.push(name); seen.add(name.toLowerCase()); added += 1; }
      }
      sync(); render();
      say(live, `${added} tag${added === 1 ? "" : "s"} added; ${tags.length} in all.`);
    };
    const removeAt = (i) => {
      const [gone] = tags.splice(i, 1);
      sync(); render(i);
      say(live, `Removed ${gone}.`);
    };
    chips.addEventListener("keydown", (event) => {
      const li = event.target.closest(".tag-list__chip");
      if (!li || event.target !== li) return;
      const i = Number(li.dataset.index);
      if (event.key === "Delete" || event.key === "Backspace") { event.preventDefault(); removeAt(i); }
      const step = { ArrowLeft: -1, ArrowUp: -1, ArrowRight: 1, ArrowDown: 1 }[event.key];
      if (step && event.altKey) {
        event.preventDefault();
        const j = i + step;
        if (j < 0 || j >= tags.length) return;
        [tags[i], tags[j]] = [tags[j], tags[i]];
        sync(); render(j);
        say(live, `${tags[j]} moved to position ${j + 1} of ${tags.length}.`);
      }
    });
    const commit = () => { const names = splitTags(entry.value); entry.value = ""; if (names.length) add(names); };
    entry.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || (event.key === "," && !entry.value.includes('"'))) {
        event.preventDefault(); commit();
      } else if (event.key === "Backspace" && !entry.value && tags.length) {
        chips.lastElementChild.focus();
      }
    });
    entry.addEventListener("paste", (event) => {
      const text = (event.clipboardData || window.clipboardData).getData("text");
      if (/[,\n]/.test(text)) { event.preventDefault(); add(splitTags(entry.value + text)); entry.value = ""; }
    });
    entry.addEventListener("change", () => { if (entry.value && datalist.querySelector(`option[value="${CSS.escape(entry.value)}"]`)) commit(); });
    entry.addEventListener("blur", commit);
    let timer;
    entry.addEventListener("input", () => {
      clearTimeout(timer);
      const term = entry.value.trim();
      if (!term || term.includes(",")) return;
      timer = setTimeout(async () => {
        const response = await fetch(`${textarea.dataset.suggestUrl}?q=${encodeURIComponent(term)}`, { credentials: "same-origin" });
        if (!response.ok) return;
        const taken = new Set(tags.map((t) => t.toLowerCase()));
        datalist.replaceChildren(...(await response.json()).tags
          .filter((name) => !taken.has(name.toLowerCase()))
          .map((name) => Object.assign(document.createElement("option"), { value: name })));
      }, 150);
    });
    render();
  }
  form.querySelectorAll("textarea[data-tag-list]").forEach(tagList);

  // --- bylines: ordered chooser (buttons, drag, Alt+Up/Down) ---------------------------------
  function bylineChooser(root) {
    const list = root.querySelector(".byline-chooser__list");
    const select = root.querySelector("select");
    const live = root.querySelector(".byline-chooser__status");
    const items = () => Array.from(list.children);
    const announce = (li) => say(live, `${li.dataset.authorName}: position ${items().indexOf(li) + 1} of ${items().length}.`);
    const changed = () => form.dispatchEvent(new Event("input", { bubbles: true }));
    const move = (li, step, focusButton) => {
      const all = items(); const i = all.indexOf(li); const j = i + step;
      if (j < 0 || j >= all.length) return;
      if (step < 0) list.insertBefore(li, all[j]); else list.insertBefore(all[j], li);
      (focusButton || li).focus(); announce(li); changed();
    };
    const makeItem = (id, name) => {
      const template = document.createElement("li");
      template.className = "byline-chooser__item";
      template.draggable = true;
      template.dataset.authorName = name;
      const hidden = Object.assign(document.createElement("input"), { type: "hidden", name: select.name, value: id });
      const label = Object.assign(document.createElement("span"), { className: "byline-chooser__name", textContent: name });
      const tools = Object.assign(document.createElement("span"), { className: "byline-chooser__tools" });
      for (const [cls, text, aria, data] of [["move", "↑", `Move ${name} earlier`, ["move", "-1"]], ["move", "↓", `Move ${name} later`, ["move", "1"]], ["remove", "✕", `Remove ${name} from the byline`, ["remove", ""]]]) {
        const b = Object.assign(document.createElement("button"), { type: "button", className: `byline-chooser__${cls}`, textContent: text });
        b.setAttribute("aria-label", aria); b.dataset[data[0]] = data[1]; tools.append(b);
      }
      template.append(hidden, label, tools);
      return template;
    };
    root.addEventListener("click", (event) => {
      const button = event.target.closest("button"); if (!button) return;
      const li = button.closest(".byline-chooser__item");
      if (button.dataset.move) move(li, Number(button.dataset.move), button);
      if (button.dataset.remove !== undefined) {
        const option = Object.assign(document.createElement("option"), { value: li.querySelector("input").value, textContent: li.dataset.authorName });
        select.append(option); li.remove(); say(live, `${li.dataset.authorName} removed.`); select.focus(); changed();
      }
    });
    list.addEventListener("keydown", (event) => {
      const li = event.target.closest(".byline-chooser__item");
      if (!li || !event.altKey) return;
      if (event.key === "ArrowUp") { event.preventDefault(); move(li, -1, event.target); }
      if (event.key === "ArrowDown") { event.preventDefault(); move(li, 1, event.target); }
    });
    select.addEventListener("change", () => {
      const option = select.selectedOptions[0];
      if (!option || !option.value) return;
      const li = makeItem(option.value, option.textContent);
      list.append(li); option.remove(); select.value = ""; announce(li); changed();
    });
    let dragged = null;
    list.addEventListener("dragstart", (event) => { dragged = event.target.closest(".byline-chooser__item"); });
    list.addEventListener("dragover", (event) => { event.preventDefault(); });
    list.addEventListener("drop", (event) => {
      event.preventDefault();
      const target = event.target.closest(".byline-chooser__item");
      if (dragged && target && dragged !== target) {
        const before = items().indexOf(dragged) > items().indexOf(target);
        list.insertBefore(dragged, before ? target : target.nextSibling); announce(dragged); changed();
      }
      dragged = null;
    });
  }
  form.querySelectorAll("[data-byline-chooser]").forEach(bylineChooser);

  // --- counters, word count, previews -------------------------------------------------------
  const field = (name) => form.elements.namedItem(name);
  form.querySelectorAll("[data-counter]").forEach((input) => {
    const counter = document.createElement("span");
    counter.className = "desk-counter";
    counter.id = `${input.id}_counter`;
    counter.setAttribute("aria-live", "polite");
    input.after(counter);
    const recommended = Number(input.dataset.counter);
    const update = () => {
      const n = input.value.length;
      counter.textContent = `${n} / ${recommended} characters${n > recommended ? " (longer than recommended)" : ""}`;
      counter.classList.toggle("desk-counter--over", n > recommended);
    };
    input.addEventListener("input", update); update();
  });
  const words = document.getElementById("desk-words");
  const body = field("body");
  const textOf = (html) => new DOMParser().parseFromString(html || "", "text/html").body.textContent || "";
  const countWords = () => {
    const n = (textOf(body.value).match(/\S+/g) || []).length;
    say(words, `${n} word${n === 1 ? "" : "s"} · about ${Math.max(1, Math.round(n / 230))} min read`);
  };
  if (body && words) { body.addEventListener("input", countWords); countWords(); }
  const clip = (text, n) => (text.length > n ? `${text.slice(0, n - 1).trimEnd()}…` : text);
  const previews = () => {
    const title = (field("seo_title") && field("seo_title").value) || (field("headline") && field("headline").value) || "Headline";
    const description = (field("seo_description") && field("seo_description").value) || (field("standfirst") && field("standfirst").value) || "The SEO description, or the standfirst.";
    document.querySelectorAll("[data-preview-title]").forEach((el) => say(el, clip(title, 60)));
    document.querySelectorAll("[data-preview-description]").forEach((el) => say(el, clip(description, 160)));
  };
  form.addEventListener("input", previews); previews();

  // --- autosave -----------------------------------------------------------------------------
  const autosaveStatus = document.getElementById("desk-autosave");
  let dirty = false; let paused = false; let saving = false;
  // Once the form is submitted, no autosave starts: the save is the newer copy, and an
  // autosave of an add form arriving after it would find its own slug taken.
  let submitting = false;
  form.addEventListener("submit", () => { submitting = true; });
  form.addEventListener("input", () => { dirty = true; if (paused === "invalid") paused = false; });
  form.addEventListener("change", () => { dirty = true; if (paused === "invalid") paused = false; });
  if (form.querySelector(".form-row.errors, .errorlist.nonfield")) { paused = "invalid"; say(autosaveStatus, "Autosave is paused until the marked fields are fixed."); }
  const payload = () => {
    const data = new FormData(form);
    data.delete("lead_image");
    for (const key of Array.from(data.keys())) if (key.startsWith("_")) data.delete(key);
    return data;
  };
  async function autosave() {
    if (!dirty || paused || saving || submitting) return;
    saving = true; dirty = false;
    try {
      const response = await fetch(status.dataset.autosaveUrl, { method: "POST", body: payload(), credentials: "same-origin", headers: { "X-CSRFToken": csrf() } });
      const answer = await response.json().catch(() => ({}));
      if (response.status === 409) paused = "conflict";
      else if (response.status === 400) paused = "invalid";
      else if (!response.ok) dirty = true;
      say(autosaveStatus, answer.message || (response.ok ? "Autosaved." : "Autosave failed; will retry."));
      if (response.ok) form.dataset.autosaved = answer.saved_at;
    } catch (error) {
      dirty = true; say(autosaveStatus, "Autosave could not reach the server; will retry.");
    } finally { saving = false; }
  }
  setInterval(autosave, Number(status.dataset.autosaveSeconds || 30) * 1000);
  const leave = () => {
    if (submitting) return;
    if (dirty && !paused) navigator.sendBeacon(status.dataset.autosaveUrl, payload());
    if (status.dataset.presenceUrl) {
      const bye = new FormData(); bye.append("csrfmiddlewaretoken", csrf()); bye.append("leave", "1");
      navigator.sendBeacon(status.dataset.presenceUrl, bye);
    }
  };
  window.addEventListener("pagehide", leave);
  const discard = document.querySelector("[data-discard]");
  if (discard) discard.addEventListener("click", async () => {
    const data = new FormData(); data.append("discard", "1");
    const response = await fetch(status.dataset.autosaveUrl, { method: "POST", body: data, credentials: "same-origin", headers: { "X-CSRFToken": csrf() } });
    if (response.ok) { document.getElementById("desk-restore").remove(); say(autosaveStatus, "Unsaved changes discarded."); }
  });

  // --- presence heartbeat -------------------------------------------------------------------
  const lock = document.getElementById("edit-lock");
  async function heartbeat() {
    if (!status.dataset.presenceUrl || document.hidden) return;
    const data = new FormData();
    const response = await fetch(status.dataset.presenceUrl, { method: "POST", body: data, credentials: "same-origin", headers: { "X-CSRFToken": csrf() } }).catch(() => null);
    if (!response || !response.ok || !lock) return;
    const answer = await response.json();
    lock.hidden = !answer.editing;
    if (answer.editing) say(lock.querySelector(".edit-lock__text"), answer.message);
  }
  if (status.dataset.presenceUrl) setInterval(heartbeat, Number(status.dataset.heartbeatSeconds || 20) * 1000);

  // --- the headline: a box that wraps, but one line (Enter does not break it) ----------------
  const headline = field("headline");
  if (headline && headline.tagName === "TEXTAREA") {
    headline.addEventListener("keydown", (event) => { if (event.key === "Enter") event.preventDefault(); });
  }

  // --- Ctrl+S / Cmd+S: save and continue editing --------------------------------------------
  document.addEventListener("keydown", (event) => {
    if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "s") {
      event.preventDefault();
      const button = form.querySelector("input[name=_continue]");
      if (button) button.click();
    }
  });

  // --- the body editor: spell-check on ------------------------------------------------------
  const bodyLabel = form.querySelector("label[for=id_body]");
  if (bodyLabel) bodyLabel.id = "id_body_label";
  const spellcheck = () => form.querySelectorAll('.ProseMirror[contenteditable="true"]').forEach((el) => {
    if (el.getAttribute("spellcheck") !== "true") el.setAttribute("spellcheck", "true");
    // The editor is a textbox: give it the body field's label (and help) for screen readers.
    if (bodyLabel && !el.hasAttribute("aria-labelledby")) {
      el.setAttribute("aria-labelledby", bodyLabel.id);
      el.setAttribute("aria-describedby", "id_body_helptext");
    }
  });
  document.addEventListener("prose-editor:ready", spellcheck);
  new MutationObserver(spellcheck).observe(form, { childList: true, subtree: true, attributes: true, attributeFilter: ["spellcheck", "aria-labelledby"] });
});

// The admin's autocomplete (select2) names its combobox after the chosen value only, which is
// empty until something is chosen: add the field's own label, so screen readers always hear
// which field it is ("Lead image: none"). Select2 sets its boxes up after the page loads and
// again when a value is restored, so this runs on load and whenever they change.
function nameAutocompletes() {
  document.querySelectorAll("select.admin-autocomplete").forEach((select) => {
    const label = document.querySelector(`label[for="${select.id}"]`);
    const box = select.parentElement.querySelector('.select2-selection[role="combobox"]');
    if (!label || !box) return;
    label.id = label.id || `${select.id}-label`;
    const names = (box.getAttribute("aria-labelledby") || "").split(" ").filter(Boolean);
    if (!names.includes(label.id)) box.setAttribute("aria-labelledby", [label.id, ...names].join(" "));
    // The chosen value's own box (role="textbox") is named after the field too.
    const shown = box.querySelector('[role="textbox"]');
    const name = label.textContent.replace(/:\s*$/, "").trim();
    if (shown && shown.getAttribute("aria-label") !== name) shown.setAttribute("aria-label", name);
  });
}
window.addEventListener("load", () => {
  nameAutocompletes();
  new MutationObserver(nameAutocompletes).observe(document.body, {
    childList: true,
    subtree: true,
    attributes: true,
    attributeFilter: ["aria-labelledby"],
  });
});
