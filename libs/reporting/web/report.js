// report.html interactions, plain JS without any library: a record of script errors (shown on the page and read by
// the browser test), click-to-enlarge figures and charts, and tables sorted by clicking a column header.
(function () {
  'use strict';

  // Script errors are shown, never swallowed: a reader learns that an interactive part failed.
  function recordError(message) {
    let box = document.getElementById('page-errors');
    if (!box) {
      box = document.createElement('pre');
      box.id = 'page-errors';
      box.className = 'warning';
      document.body.appendChild(box);
    }
    box.textContent += message + '\n';
  }
  window.addEventListener('error', (e) => recordError('script error: ' + e.message + ' (line ' + e.lineno + ')'));
  window.addEventListener('unhandledrejection', (e) => recordError('script error: ' + e.reason));

  // One overlay for every figure and chart: click (or Enter) opens it at the window's size, click or Escape closes.
  function setupLightbox() {
    const box = document.createElement('div');
    box.className = 'lightbox';
    box.hidden = true;
    box.setAttribute('role', 'dialog');
    box.setAttribute('aria-modal', 'true');
    const big = document.createElement('img');
    const caption = document.createElement('p');
    box.append(big, caption);
    document.body.appendChild(box);
    let opener = null;
    const close = () => {
      if (box.hidden) return;
      box.hidden = true;
      if (opener) opener.focus();
    };
    box.addEventListener('click', close);
    document.addEventListener('keydown', (e) => { if (e.key === 'Escape') close(); });
    for (const img of document.querySelectorAll('img.figure, img.chart')) {
      img.tabIndex = 0;
      img.title = 'Click to enlarge';
      const open = () => {
        opener = img;
        big.src = img.src;
        big.alt = img.alt;
        caption.textContent = img.alt;
        box.hidden = false;
      };
      img.addEventListener('click', open);
      img.addEventListener('keydown', (e) => { if (e.key === 'Enter') open(); });
    }
  }

  // A cell's sort key: numbers for numeric columns ("−3.5 pp" → -3.5; "–" → none, sorted last), else lower text.
  function sortKey(row, column, numeric) {
    const cell = row.cells[column];
    const text = cell ? cell.textContent.trim() : '';
    if (!numeric) return text.toLowerCase();
    const value = parseFloat(text.replace('\u2212', '-'));
    return Number.isFinite(value) ? value : null;
  }

  function compareRows(a, b, numeric, descending) {
    if (a.key === null || b.key === null) return (a.key === null) - (b.key === null) || a.index - b.index;
    const order = numeric ? a.key - b.key : a.key.localeCompare(b.key);
    return (descending ? -order : order) || a.index - b.index;
  }

  // Sorting shows each row on its own: the group name (written once per group) is filled into every row and the
  // right-left difference rows are hidden; a third click restores the original order.
  function applySort(table, rows, column, order, numeric) {
    const sorted = order !== 'none';
    table.classList.toggle('sorted', sorted);
    let list = rows;
    if (sorted) {
      list = rows.filter((r) => !r.classList.contains('diff'))
        .map((row, index) => ({ row, index, key: sortKey(row, column, numeric) }))
        .sort((a, b) => compareRows(a, b, numeric, order === 'descending'))
        .map((entry) => entry.row);
      list = list.concat(rows.filter((r) => r.classList.contains('diff')));
    }
    for (const row of rows) {
      row.hidden = sorted && row.classList.contains('diff');
      if (row.dataset.group !== undefined) row.cells[0].textContent = sorted ? row.dataset.group : '';
    }
    table.tBodies[0].append(...list);
  }

  function setupSortable(table) {
    if (!table.tHead || !table.tBodies[0]) return;
    const rows = Array.from(table.tBodies[0].rows);
    let group = '';
    for (const row of rows) {
      const first = row.cells[0];
      if (!first || row.classList.contains('diff')) continue;
      if (first.textContent.trim()) group = first.textContent;
      else row.dataset.group = group;
    }
    const headers = Array.from(table.tHead.rows[0].cells);
    headers.forEach((th, column) => {
      th.tabIndex = 0;
      th.title = 'Click to sort';
      th.setAttribute('aria-sort', 'none');
      const sort = () => {
        const next = { none: 'ascending', ascending: 'descending', descending: 'none' }[th.getAttribute('aria-sort')];
        for (const h of headers) h.setAttribute('aria-sort', 'none');
        th.setAttribute('aria-sort', next);
        applySort(table, rows, column, next, th.dataset.sortType === 'number');
      };
      th.addEventListener('click', sort);
      th.addEventListener('keydown', (e) => {
        if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); sort(); }
      });
    });
  }

  setupLightbox();
  for (const table of document.querySelectorAll('table[data-sortable]')) setupSortable(table);
})();
