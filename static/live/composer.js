/* The live composer (templates/admin/live/livecoverage/change_form.html): JSON requests with
   the CSRF token to articles/live/composer.py; no page reloads. The stream shows each entry as
   readers see it and refreshes every 5 s (an entry being edited is left alone). An edit carries
   the version it started from: if someone saved since, the server refuses (409), their
   version is shown and the text typed here stays in the box. */
(function () {
  "use strict";
  var root = document.getElementById("composer");
  if (!root) { return; }
  var urls = {
    stream: root.getAttribute("data-stream"),
    post: root.getAttribute("data-post"),
    state: root.getAttribute("data-state"),
    change: root.getAttribute("data-change")
  };
  var token = root.querySelector("[name=csrfmiddlewaretoken]").value;
  var form = root.querySelector(".composer__form");
  var list = root.querySelector(".composer__stream");
  var message = root.querySelector(".composer__message");
  var stateName = root.querySelector(".composer__state-name");
  var signature = "";
  var rights = {};
  var editing = {};

  function say(text) { message.textContent = text || ""; }

  function send(url, data) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token, Accept: "application/json" },
      body: JSON.stringify(data || {})
    }).then(function (response) {
      return response.json().catch(function () { return { error: "The server answered " + response.status + "." }; })
        .then(function (body) { body.status = response.status; return body; });
    });
  }

  function changeUrl(id, action) {
    return urls.change.replace(/\/0\/edit\/$/, "/" + id + "/" + action + "/");
  }

  function element(html) {
    var holder = document.createElement("template");
    holder.innerHTML = html.trim();
    return holder.content.firstElementChild;
  }

  function button(label, action, id, extra) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "button";
    b.textContent = label;
    b.setAttribute("data-action", action);
    b.setAttribute("data-id", id);
    if (extra !== undefined) { b.setAttribute("data-value", extra); }
    return b;
  }

  function render(entry) {
    var item = element(entry.html);
    item.removeAttribute("id");
    item.classList.add("composer__entry", "composer__entry--" + entry.status);
    item.setAttribute("data-id", entry.id);
    var label = document.createElement("span");
    label.className = "composer__status";
    label.textContent = entry.status + " · v" + entry.version;
    item.insertBefore(label, item.firstChild);
    if (entry.can_change && entry.status !== "removed") {
      var tools = document.createElement("div");
      tools.className = "composer__tools";
      tools.appendChild(button("Edit", "edit", entry.id));
      if (entry.status === "draft" && rights.can_publish) { tools.appendChild(button("Publish", "publish", entry.id)); }
      tools.appendChild(button(entry.pinned ? "Unpin" : "Pin", "pin", entry.id, entry.pinned ? "" : "1"));
      tools.appendChild(button(entry.key ? "Not a key event" : "Key event", "key", entry.id, entry.key ? "" : "1"));
      tools.appendChild(button("Remove", "remove", entry.id));
      item.appendChild(tools);
    }
    return item;
  }

  function show(data) {
    rights = data;
    stateName.textContent = data.state.charAt(0).toUpperCase() + data.state.slice(1);
    var next = data.state + "|" + data.entries.map(function (e) { return e.id + ":" + e.version + ":" + e.status; }).join(",");
    if (next === signature) { return; }
    signature = next;
    var focused = document.activeElement;
    var refocus = focused && list.contains(focused) && focused.getAttribute("data-action")
      ? '[data-id="' + focused.getAttribute("data-id") + '"][data-action="' + focused.getAttribute("data-action") + '"]' : null;
    var kept = {};
    Object.keys(editing).forEach(function (id) {
      var open = list.querySelector('.composer__entry[data-id="' + id + '"]');
      if (open) { kept[id] = open; }
    });
    list.textContent = "";
    data.entries.forEach(function (entry) {
      list.appendChild(kept[entry.id] || render(entry));
    });
    if (refocus) {
      var again = list.querySelector(refocus);
      if (again) { again.focus(); }
    }
  }

  function refresh() {
    return fetch(urls.stream, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(show)
      .catch(function () { say("Could not refresh the stream; retrying."); });
  }

  function openEditor(entry, item) {
    editing[entry.id] = entry.version;
    var box = document.createElement("div");
    box.className = "composer__edit";
    box.innerHTML = '<p><label>Headline <input class="vTextField" name="headline" maxlength="200"></label></p>' +
      '<p><label>Update<br><textarea name="body" rows="6"></textarea></label></p>' +
      '<p class="composer__theirs" hidden></p>';
    box.querySelector("[name=headline]").value = entry.headline || "";
    box.querySelector("[name=body]").value = entry.body || "";
    box.appendChild(button("Save", "save", entry.id));
    box.appendChild(button("Cancel", "cancel", entry.id));
    item.appendChild(box);
    box.querySelector("textarea").focus();
  }

  function act(target) {
    var id = target.getAttribute("data-id");
    var action = target.getAttribute("data-action");
    var item = list.querySelector('.composer__entry[data-id="' + id + '"]');
    if (action === "edit") {
      fetch(urls.stream, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (data) {
        var entry = data.entries.filter(function (e) { return String(e.id) === id; })[0];
        if (entry && item && !item.querySelector(".composer__edit")) { openEditor(entry, item); }
      });
      return;
    }
    if (action === "cancel") {
      delete editing[id];
      signature = "";
      refresh();
      return;
    }
    var data = {};
    if (action === "save") {
      data = {
        version: editing[id],
        headline: item.querySelector(".composer__edit [name=headline]").value,
        body: item.querySelector(".composer__edit [name=body]").value
      };
      action = "edit";
    } else if (target.hasAttribute("data-value")) {
      data.value = target.getAttribute("data-value") === "1";
    }
    // Removing asks twice (the same button, relabelled): no dialog, usable by keyboard.
    if (action === "remove" && !target.hasAttribute("data-armed")) {
      target.setAttribute("data-armed", "1");
      target.textContent = "Remove from readers' page?";
      say("Press the button again to remove this entry.");
      return;
    }
    send(changeUrl(id, action), data).then(function (answer) {
      if (answer.status === 409 && answer.entry) {
        editing[id] = answer.entry.version;
        var theirs = item.querySelector(".composer__theirs");
        theirs.hidden = false;
        theirs.textContent = "Their version: " + (answer.entry.headline ? answer.entry.headline + " — " : "") + answer.entry.summary;
        say(answer.error);
        return;
      }
      if (answer.error) { say(answer.error); return; }
      delete editing[id];
      say("Saved.");
      signature = "";
      refresh();
    });
  }

  list.addEventListener("click", function (event) {
    var target = event.target.closest("button[data-action]");
    if (target) { act(target); }
  });

  function submit(publish) {
    var data = {
      headline: form.elements.headline.value,
      body: form.elements.body.value,
      pinned: form.elements.pinned.checked,
      key: form.elements.key.checked,
      publish: publish
    };
    send(urls.post, data).then(function (answer) {
      if (answer.error) { say(answer.error); return; }
      form.reset();
      say(publish ? "Published." : "Saved as a draft.");
      signature = "";
      refresh();
      form.elements.body.focus();
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var publish = event.submitter ? event.submitter.value === "1" : rights.can_publish;
    submit(publish && rights.can_publish);
  });
  form.elements.body.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      submit(Boolean(rights.can_publish));
    }
  });
  root.querySelectorAll(".composer__set-state").forEach(function (b) {
    b.addEventListener("click", function () {
      send(urls.state, { state: b.getAttribute("data-to") }).then(function (answer) {
        if (answer.error) { say(answer.error); return; }
        say("Coverage is now " + answer.state + ".");
        signature = "";
        refresh();
      });
    });
  });
  refresh().then(function () {
    if (!rights.can_publish) { root.querySelector(".composer__publish").hidden = true; }
  });
  setInterval(function () { if (!document.hidden) { refresh(); } }, 5000);
}());
