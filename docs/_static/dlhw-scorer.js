// Search ranking of the book (Sphinx's html_search_scorer): Sphinx's default weights,
// and a chapter ranks above the API reference and the generated reference pages
// (ledger, map, problem index, status) for the same term.
var Scorer = {
  score: (result) => {
    const [docname, , , , score] = result;
    if (docname.startsWith("api/")) return score - 50;
    if (["ledger", "map", "problems", "status", "genindex"].includes(docname)) return score - 25;
    return score;
  },
  objNameMatch: 11,
  objPartialMatch: 6,
  objPrio: { 0: 15, 1: 5, 2: -5 },
  objPrioDefault: 0,
  title: 15,
  partialTitle: 7,
  term: 5,
  partialTerm: 2,
};
