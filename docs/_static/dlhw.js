// Name the expand/collapse toggles of the navigation tree for screen readers: the
// theme renders them as <summary> elements with only an icon inside.
document.addEventListener("DOMContentLoaded", () => {
  for (const summary of document.querySelectorAll("nav.bd-links summary:not([aria-label])")) {
    const link = summary.parentElement?.parentElement?.querySelector(":scope > a");
    const section = link ? link.textContent.trim() : "section";
    summary.setAttribute("aria-label", `Show or hide the pages of ${section}`);
  }
});
