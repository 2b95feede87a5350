/* The live stream for readers (templates/live/_stream.html): polls one shared URL that carries
   the coverage's version, so every up-to-date reader asks Varnish the same question. New
   entries wait behind an "N new updates" button (the reader is never scrolled); edits and
   removals apply in place; background tabs poll four times less; the reply sets the next
   interval and can say stop (the coverage ended). */
(function () {
  "use strict";
  var root = document.getElementById("live");
  if (!root || !window.fetch) { return; }
  var base = root.getAttribute("data-poll-base").replace(/0\/$/, "");
  var found = /\/v\/(\d+)\/$/.exec(root.getAttribute("data-poll"));
  var version = found ? parseInt(found[1], 10) : 0;
  var interval = parseInt(root.getAttribute("data-interval"), 10) || 10;
  var list = root.querySelector(".live__entries");
  var pinned = root.querySelector(".live__pinned");
  var button = root.querySelector(".live__new");
  var status = root.querySelector(".live__status");
  var keyNav = root.querySelector(".live-key");
  var keyList = root.querySelector(".live-key__list");
  var waiting = [];
  var timer = null;
  var stopped = false;
  var reloadNeeded = false;

  function element(html) {
    var holder = document.createElement("template");
    holder.innerHTML = html.trim();
    return holder.content.firstElementChild;
  }

  function shown(id) { return document.getElementById("entry-" + id); }

  function dropWaiting(id) {
    waiting = waiting.filter(function (entry) { return entry.id !== id; });
  }

  function keyItem(entry) {
    var old = keyList.querySelector('[data-entry="' + entry.id + '"]');
    if (!entry.key) {
      if (old) { old.remove(); }
    } else {
      var item = document.createElement("li");
      item.setAttribute("data-entry", entry.id);
      var link = document.createElement("a");
      link.href = "#entry-" + entry.id;
      link.textContent = entry.headline || entry.summary;
      item.appendChild(link);
      if (old) { old.replaceWith(item); } else { keyList.insertBefore(item, keyList.firstChild); }
    }
    keyNav.hidden = !keyList.children.length;
  }

  function remove(id) {
    var node = shown(id);
    if (node) {
      // In view, it leaves a note of its own height (nothing the reader sees moves: CLS stays
      // 0); out of view it goes (scroll anchoring keeps the reader's place).
      var box = node.getBoundingClientRect();
      if (box.bottom > 0 && box.top < window.innerHeight) {
        node.style.boxSizing = "border-box";
        node.style.minHeight = box.height + "px";
        node.removeAttribute("id");
        node.className = "live-entry live-entry--removed";
        node.textContent = "";
        var note = document.createElement("p");
        note.className = "live-entry__removed";
        note.textContent = "This update was removed.";
        node.appendChild(note);
      } else {
        node.remove();
      }
    }
    dropWaiting(id);
    keyItem({ id: id, key: false });
  }

  function update(entry) {
    var node = shown(entry.id);
    var inPinned = node && node.parentNode === pinned;
    if (node && inPinned === entry.pinned) {
      node.replaceWith(element(entry.html));
    } else {
      if (node) { node.remove(); }
      dropWaiting(entry.id);
      waiting.push(entry);
    }
    if (node || entry.key) { keyItem(entry); }
  }

  function label() {
    if (reloadNeeded) {
      button.textContent = "Many updates: show the latest";
    } else {
      var n = waiting.length;
      button.textContent = n === 1 ? "1 new update" : n + " new updates";
    }
    button.hidden = !(waiting.length || reloadNeeded);
  }

  function showWaiting() {
    if (reloadNeeded) { window.location.reload(); return; }
    var empty = list.querySelector(".live__empty");
    if (empty && waiting.length) { empty.remove(); }
    var first = null;
    waiting.forEach(function (entry) {
      var node = element(entry.html);
      var target = entry.pinned ? pinned : list;
      target.insertBefore(node, target.firstChild);
      keyItem(entry);
      first = node;
    });
    var count = waiting.length;
    waiting = [];
    label();
    status.textContent = count === 1 ? "1 update shown." : count + " updates shown.";
    if (first) {
      first.setAttribute("tabindex", "-1");
      first.focus({ preventScroll: false });
    }
  }

  function schedule(seconds) {
    if (stopped) { return; }
    clearTimeout(timer);
    timer = setTimeout(poll, seconds * 1000 * (document.hidden ? 4 : 1));
  }

  function apply(data) {
    (data.removed || []).forEach(remove);
    (data.entries || []).forEach(update);
    if (data.reload) { reloadNeeded = true; }
    version = data.v;
    interval = data.interval || interval;
    var state = root.querySelector(".live__state");
    if (state && data.state && root.getAttribute("data-state") !== data.state) {
      root.setAttribute("data-state", data.state);
      state.className = "live__state live__state--" + data.state;
      state.textContent = data.state.charAt(0).toUpperCase() + data.state.slice(1);
    }
    if (data.stop) { stopped = true; }
    label();
  }

  function poll() {
    fetch(base + version + "/", { headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (data) { apply(data); schedule(interval); })
      .catch(function () { schedule(interval * 3); });
  }

  function loadMore(event) {
    var link = event.target.closest(".live__more");
    if (!link || !window.DOMParser) { return; }
    event.preventDefault();
    fetch(link.href).then(function (response) {
      if (!response.ok) { throw new Error(String(response.status)); }
      return response.text();
    }).then(function (html) {
      var page = new DOMParser().parseFromString(html, "text/html");
      page.querySelectorAll(".live__entries > .live-entry").forEach(function (node) {
        if (!shown(node.getAttribute("data-entry"))) { list.appendChild(document.adoptNode(node)); }
      });
      var next = page.querySelector(".live__more");
      if (next) { link.href = next.getAttribute("href"); } else { link.parentNode.remove(); }
    }).catch(function () { window.location.href = link.href; });
  }

  root.addEventListener("click", loadMore);
  button.addEventListener("click", showWaiting);
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) { schedule(1); }
  });
  if (root.getAttribute("data-state") !== "ended") { schedule(interval); }
}());
