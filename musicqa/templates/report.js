// Filter the sample by source and split. It reads only data-* attributes that the (escaping) template wrote.
(function () {
  "use strict";
  var source = document.getElementById("filter-source");
  var split = document.getElementById("filter-split");
  var count = document.getElementById("sample-count");
  var cards = Array.prototype.slice.call(document.querySelectorAll(".clip"));
  function apply() {
    var shown = 0;
    cards.forEach(function (card) {
      var ok = (!source.value || card.dataset.source === source.value) &&
               (!split.value || card.dataset.split === split.value);
      card.hidden = !ok;
      if (!ok) {
        card.querySelectorAll("audio").forEach(function (a) { a.pause(); });
      } else {
        shown += 1;
      }
    });
    count.textContent = shown + " of " + cards.length + " clips shown";
  }
  source.addEventListener("change", apply);
  split.addEventListener("change", apply);
  apply();
})();
