// Buttons with data-confirm="question" ask before they submit. Wired from a file, not an
// inline onclick: the Content-Security-Policy allows no inline script.
document.addEventListener("click", function (e) {
  const button = e.target.closest("[data-confirm]");
  if (button && !window.confirm(button.dataset.confirm)) e.preventDefault();
});
