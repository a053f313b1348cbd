// Live preview of a series' dates on the coordinator's series form.
// Progressive enhancement: without this script the "Preview" button re-renders the page.
(function () {
  "use strict";

  var form = document.getElementById("series-form");
  if (!form || !window.fetch) {
    return;
  }
  var list = document.getElementById("preview-list");
  var errorBox = document.getElementById("preview-error");
  var url = form.getAttribute("data-preview-url");
  var count = form.getAttribute("data-preview-count") || "12";
  var watched = ["preset", "weekday", "rrule", "starts_on", "timezone", "holiday_country", "holiday_policy"];
  var timer = null;
  var latest = 0;

  function value(name) {
    var field = form.elements.namedItem(name);
    return field ? String(field.value || "").trim() : "";
  }

  function showPresetFields() {
    var preset = value("preset");
    var blocks = form.querySelectorAll("[data-for-preset]");
    for (var i = 0; i < blocks.length; i++) {
      blocks[i].hidden = blocks[i].getAttribute("data-for-preset") !== preset;
    }
  }

  function ruleParams() {
    var preset = value("preset");
    if (preset === "custom") {
      return { rule: value("rrule"), weekday: "" };
    }
    if (preset === "weekly") {
      return { rule: "weekly", weekday: value("weekday") };
    }
    return { rule: preset, weekday: "" };
  }

  function showError(message) {
    errorBox.textContent = message;
    errorBox.hidden = false;
    list.replaceChildren();
  }

  function render(occurrences) {
    errorBox.hidden = true;
    errorBox.textContent = "";
    var items = occurrences.map(function (occurrence) {
      var item = document.createElement("li");
      if (occurrence.dropped) {
        item.className = "is-dropped";
      }
      var time = document.createElement("time");
      time.setAttribute("datetime", occurrence.date);
      time.textContent = occurrence.date;
      item.appendChild(time);
      if (occurrence.note) {
        var note = document.createElement("span");
        note.className = "preview-note";
        note.textContent = occurrence.note;
        item.appendChild(document.createTextNode(" "));
        item.appendChild(note);
      }
      return item;
    });
    list.replaceChildren.apply(list, items);
  }

  function refresh() {
    var rule = ruleParams();
    if (!rule.rule || !value("starts_on") || !value("timezone")) {
      showError("Choose a rule, a start date and a time zone to see the dates.");
      return;
    }
    var query = new URLSearchParams({
      rule: rule.rule,
      weekday: rule.weekday,
      start: value("starts_on"),
      tz: value("timezone"),
      holidays: value("holiday_country"),
      policy: value("holiday_policy"),
      count: count
    });
    var ticket = ++latest;
    fetch(url + "?" + query.toString(), { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        return response.json().then(function (body) {
          return { ok: response.ok, body: body };
        });
      })
      .then(function (result) {
        if (ticket !== latest) {
          return; // an older answer arriving late must not overwrite a newer one
        }
        if (result.ok) {
          render(result.body.occurrences || []);
        } else {
          showError(result.body.detail || "These settings give no dates.");
        }
      })
      .catch(function () {
        if (ticket === latest) {
          showError("The preview could not be loaded; use the Preview button.");
        }
      });
  }

  function schedule() {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 250);
  }

  watched.forEach(function (name) {
    var field = form.elements.namedItem(name);
    if (field) {
      field.addEventListener("input", schedule);
      field.addEventListener("change", schedule);
    }
  });
  form.elements.namedItem("preset").addEventListener("change", showPresetFields);
  showPresetFields();
})();
