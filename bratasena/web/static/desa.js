// Progressive enhancement: filter the village list in place when the district changes.
// Without this script the district form reloads the page with that district's villages.
(function () {
  document.documentElement.classList.add("js");
  var district = document.getElementById("f-kecamatan");
  var village = document.getElementById("f-subject-village_code");
  if (!district || !village) { return; }
  var groups = Array.prototype.slice.call(village.querySelectorAll("optgroup"));
  function filter() {
    var code = district.value;
    var present = groups.some(function (g) { return g.getAttribute("data-district") === code; });
    // A page rendered for one district lacks the others' villages: load them the no-script way.
    if (code && !present || !code && groups.length === 1) { district.form.submit(); return; }
    groups.forEach(function (group) {
      var show = !code || group.getAttribute("data-district") === code;
      group.hidden = !show;
      group.disabled = !show;
    });
    var selected = village.options[village.selectedIndex];
    if (selected && selected.parentNode.disabled) { village.value = ""; }
  }
  district.addEventListener("change", filter);
  if (district.value) { filter(); }
})();
