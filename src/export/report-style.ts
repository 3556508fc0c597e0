/** The report's only stylesheet, inlined: the page loads nothing. Print rules keep tables and charts whole. */
export const REPORT_CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#111;margin:0;background:#fff}
main{max-width:1100px;margin:0 auto;padding:24px}
h1{font-size:22px}h2{font-size:18px;border-bottom:2px solid #1f5fa8;padding-bottom:4px;margin-top:32px}h3{font-size:15px}
table{border-collapse:collapse;width:100%;margin:8px 0 16px}th,td{border:1px solid #d1d5db;padding:4px 6px;text-align:left;vertical-align:top}
th{background:#f3f4f6}td.num{text-align:right;font-variant-numeric:tabular-nums}code{font-size:12px;word-break:break-all}
.status,.tag{font-weight:600;white-space:nowrap}.s-pass,.s-complete,.s-in_force{color:#15803d}.s-pass_with_gaps{color:#a16207}.s-fail,.s-failed{color:#b91c1c}
.s-not_evaluable,.s-partial,.s-pending{color:#a16207}.s-not_applicable,.s-excepted,.s-expired,.s-no_evidence{color:#4b5563}
.facts{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px}.facts dt{font-weight:600}
.chart{margin:12px 0}.chart figcaption{font-weight:600}.legend{font-size:12px}.legend-item{margin-right:12px}
.swatch{display:inline-block;width:10px;height:10px;margin-right:4px;vertical-align:middle}.none{color:#4b5563;font-style:italic}
@media print{main{max-width:none;padding:0}section,figure,tr{break-inside:avoid}h2{break-after:avoid}
*{-webkit-print-color-adjust:exact;print-color-adjust:exact}@page{size:A4;margin:14mm}}
`;
