/* The public rating form: show the slider's score as it moves. */
(function () {
  "use strict";
  const slider = document.querySelector("[data-rating-score]");
  const out = document.getElementById("score-out");
  if (!slider || !out) return;
  const show = () => { out.value = slider.value; out.textContent = slider.value; };
  slider.addEventListener("input", show);
  show();
})();
