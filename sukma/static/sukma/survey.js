/* Optional: a progress bar and a gentle scroll to the next question. The form works without it. */
(function init() {
  // offline.js puts the server's page (a refusal) in place of this one: start again on it.
  if (!init.listening) document.addEventListener("sukma:page", init);
  init.listening = true;
  var form = document.getElementById("survey");
  if (!form) return;
  var els = form.querySelectorAll("fieldset.el");
  var bar = document.createElement("div");
  var label = document.createElement("span");
  var fill = document.createElement("i");
  bar.className = "progress";
  bar.setAttribute("aria-live", "polite");
  bar.appendChild(label);
  bar.appendChild(fill);
  form.insertBefore(bar, els[0]);
  function update() {
    var done = 0;
    for (var i = 0; i < els.length; i++) if (els[i].querySelector("input:checked")) done++;
    label.textContent = done + "/" + els.length + " " + (form.getAttribute("data-answered") || "");
    fill.style.setProperty("--p", (100 * done / els.length) + "%");
  }
  form.addEventListener("change", function (ev) {
    update();
    var set = ev.target.closest && ev.target.closest("fieldset.el");
    if (!set || ev.target.type !== "radio") return;
    var next = set.nextElementSibling;
    while (next && next.tagName !== "FIELDSET" && next.tagName !== "H2") next = next.nextElementSibling;
    if (next && !next.querySelector("input:checked")) {
      setTimeout(function () { next.scrollIntoView({ behavior: "smooth", block: "start" }); }, 250);
    }
  });
  update();
  var errors = document.getElementById("errors");
  if (errors) errors.focus();
})();
