// The newsidx browser page: state lives in the URL, every view is rebuilt
// from it, and API text only ever reaches the page through textContent.
'use strict';
(() => {
  const PAGE = 10;
  const MAX_OFFSET = 10000;
  const $ = (id) => document.getElementById(id);
  const ui = {
    form: $('search-form'), q: $('q'), section: $('section'), since: $('since'),
    until: $('until'), sort: $('sort'), status: $('status'), searchView: $('search-view'),
    filters: $('filters'), results: $('results'), pager: $('pager'), prev: $('prev'),
    next: $('next'), pageInfo: $('page-info'), histogram: $('histogram'), chart: $('chart'),
    undated: $('undated'), facets: $('facets'), article: $('article'),
    title: $('article-title'), meta: $('article-meta'), entities: $('article-entities'),
    captions: $('article-captions'), body: $('article-body'), stats: $('stats'),
  };
  const numbers = new Intl.NumberFormat('en-US');
  const fmt = (n) => numbers.format(n);

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }
  function svg(tag, attrs) {
    const e = document.createElementNS('http://www.w3.org/2000/svg', tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    return e;
  }
  const clear = (e) => { e.textContent = ''; };
  const day = (t) => (typeof t === 'string' && /^\d{4}-\d\d-\d\d/.test(t) ? t.slice(0, 10) : '');

  // ---- state <-> URL ----
  function parseState(search) {
    const p = new URLSearchParams(search);
    return {
      q: p.get('q') || '',
      sections: p.getAll('section').filter(Boolean),
      entities: p.getAll('entity').filter(Boolean),
      since: p.get('since') || '',
      until: p.get('until') || '',
      sort: p.get('sort') || '',
      offset: Math.min(MAX_OFFSET, Math.max(0, parseInt(p.get('offset'), 10) || 0)),
      show: p.get('show') || '',
    };
  }
  function searchParams(s) {
    const p = new URLSearchParams();
    if (s.q) p.set('q', s.q);
    for (const v of s.sections) p.append('section', v);
    for (const v of s.entities) p.append('entity', v);
    if (s.since) p.set('since', s.since);
    if (s.until) p.set('until', s.until);
    if (s.sort) p.set('sort', s.sort);
    if (s.offset) p.set('offset', String(s.offset));
    return p;
  }
  function pageUrl(s) {
    const rest = searchParams(s).toString();
    const show = s.show ? 'show=' + encodeURIComponent(s.show) : '';
    const qs = [show, rest].filter(Boolean).join('&');
    return qs ? '?' + qs : location.pathname;
  }
  // A fresh search: keeps the filters, starts at the first page.
  const narrowed = (changes) => Object.assign({}, current, { offset: 0, show: '' }, changes);

  let current = parseState(location.search);

  function navigate(s, opts = {}) {
    const url = pageUrl(s);
    const entry = { fromResults: !!opts.fromResults };
    // Pressing Search twice should not need two Backs.
    if (url === location.search || (url === location.pathname && !location.search)) {
      history.replaceState(entry, '', url);
    } else {
      history.pushState(entry, '', url);
    }
    render(s, opts.force);
  }

  // ---- fetching ----
  class ApiError extends Error {}
  async function getJSON(url, signal) {
    let res;
    try {
      res = await fetch(url, { signal, headers: { Accept: 'application/json' } });
    } catch (e) {
      throw new ApiError('cannot reach the server');
    }
    let body = null;
    try { body = await res.json(); } catch (e) { /* e.g. a proxy's HTML error page */ }
    if (res.ok && body) return body;
    if (res.status === 503) throw new ApiError('busy, try again');
    if (body && typeof body.error === 'string' && body.error) throw new ApiError(body.error);
    throw new ApiError(res.status === 404 ? 'not found' : `server error (${res.status})`);
  }

  function setStatus(text, isError) {
    ui.status.textContent = text;
    ui.status.classList.toggle('error', !!isError);
  }

  // Only the newest request may draw: each render bumps `seq` and aborts the last.
  let seq = 0;
  let inflight = null;
  let lastSearch = null; // {key, data}: going back from an article needs no refetch

  function render(s, force) {
    const previous = current;
    current = s;
    fillForm(s);
    renderChips(s);
    const mine = ++seq;
    if (inflight) inflight.abort();
    inflight = new AbortController();
    if (s.show) {
      showArticle(s, mine, inflight.signal);
    } else {
      showResults(s, mine, inflight.signal, force, previous.show);
    }
  }

  // ---- the form ----
  // What fillForm put in the controls: a control still showing it keeps the
  // state's value (a "2024" from a facet, several sections) on submit.
  const shown = { section: '', since: '', until: '' };

  function ensureOption(value) {
    if (value && ![...ui.section.options].some((o) => o.value === value)) {
      const o = el('option', null, value);
      o.value = value;
      ui.section.append(o);
    }
  }
  function expandDate(v, end) {
    let m = /^(\d{4})$/.exec(v);
    if (m) return end ? `${m[1]}-12-31` : `${m[1]}-01-01`;
    m = /^(\d{4})-(\d\d)$/.exec(v);
    if (m) {
      const last = new Date(Date.UTC(+m[1], +m[2], 0)).getUTCDate();
      return `${m[1]}-${m[2]}-${end ? String(last).padStart(2, '0') : '01'}`;
    }
    return v;
  }
  function fillForm(s) {
    ui.q.value = s.q;
    const one = s.sections.length === 1 ? s.sections[0] : '';
    ensureOption(one);
    ui.section.value = one;
    ui.since.value = expandDate(s.since, false);
    ui.until.value = expandDate(s.until, true);
    ui.sort.value = s.sort;
    shown.section = ui.section.value;
    shown.since = ui.since.value;
    shown.until = ui.until.value;
  }
  function readForm() {
    const keep = (ctl, was, value) => (ctl.value === was ? value : ctl.value);
    const section = ui.section.value;
    return narrowed({
      q: ui.q.value.trim(),
      sections: section === shown.section ? current.sections : section ? [section] : [],
      since: keep(ui.since, shown.since, current.since),
      until: keep(ui.until, shown.until, current.until),
      sort: ui.sort.value,
    });
  }
  ui.form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    navigate(readForm(), { force: true });
  });
  for (const ctl of [ui.section, ui.sort]) {
    ctl.addEventListener('change', () => navigate(readForm()));
  }

  // ---- results ----
  // Two requests: the page of hits, then the histogram and facets of the
  // whole result set, which take longer on a large one (they count every
  // match) and do not change from page to page.
  let lastTally = null; // {key, data}
  async function showResults(s, mine, signal, force, cameFrom) {
    ui.article.hidden = true;
    ui.searchView.hidden = false;
    const key = searchParams(s).toString();
    const tallyKey = searchParams(Object.assign({}, s, { offset: 0 })).toString();
    if (force) lastTally = null;
    if (!force && lastSearch && lastSearch.key === key) {
      drawResults(s, lastSearch.data, cameFrom);
      drawTally(s, tallyKey);
      return;
    }
    setStatus('Searching…');
    ui.results.setAttribute('aria-busy', 'true');
    try {
      const data = await getJSON(`/api/search?${key}${key ? '&' : ''}limit=${PAGE}`, signal);
      if (mine !== seq) return;
      lastSearch = { key, data };
      drawResults(s, data, cameFrom);
    } catch (e) {
      if (mine !== seq) return;
      lastSearch = null;
      drawResults(s, { total: 0, hits: [] });
      drawTally(s, null);
      setStatus(e.message, true);
      return;
    } finally {
      if (mine === seq) ui.results.removeAttribute('aria-busy');
    }
    if (!lastTally || lastTally.key !== tallyKey) {
      drawTally(s, null);
      try {
        const sep = tallyKey ? '&' : '';
        const tally = await getJSON(`/api/search?${tallyKey}${sep}limit=0&facets=true&histogram=month`, signal);
        if (mine !== seq) return;
        lastTally = { key: tallyKey, data: tally };
      } catch (e) {
        // The hits are shown; without their tally the side stays empty.
        return;
      }
    }
    drawTally(s, tallyKey);
  }

  function drawTally(s, tallyKey) {
    const data = lastTally && lastTally.key === tallyKey ? lastTally.data : {};
    drawHistogram(data.histogram);
    drawFacets(data.facets, s);
  }

  function drawResults(s, data, cameFrom) {
    const hits = Array.isArray(data.hits) ? data.hits : [];
    const total = data.total || 0;
    setStatus(`${fmt(total)} ${total === 1 ? 'match' : 'matches'}`);
    clear(ui.results);
    for (const h of hits) ui.results.append(hitItem(h, s));

    ui.pager.hidden = hits.length === 0;
    ui.pageInfo.textContent = `${fmt(s.offset + 1)}–${fmt(s.offset + hits.length)} of ${fmt(total)}`;
    ui.prev.disabled = s.offset === 0;
    ui.next.disabled = s.offset + hits.length >= total || s.offset + PAGE > MAX_OFFSET;

    if (cameFrom) {
      const link = [...ui.results.querySelectorAll('a.hit-title')].find((a) => a.dataset.id === cameFrom);
      if (link) link.focus();
    }
  }

  function hitItem(h, s) {
    const li = el('li', 'hit');
    const heading = el('h3', 'hit-heading');
    const a = el('a', 'hit-title', h.title || h.id);
    a.href = pageUrl(Object.assign({}, s, { show: h.id }));
    a.dataset.id = h.id;
    heading.append(a);
    const meta = el('p', 'hit-meta');
    meta.append(el('span', 'hit-date', day(h.published)), el('span', 'hit-section', h.section || ''));
    if (h.byline) meta.append(el('span', 'hit-byline', h.byline));
    const snippet = el('p', 'hit-snippet');
    markUp(snippet, h.snippet || '', h.highlights);
    li.append(heading, meta, snippet);
    const names = (h.entities || []).slice(0, 5).map((e) => e.name).filter(Boolean);
    if (names.length) li.append(el('p', 'hit-entities', names.join(' · ')));
    return li;
  }

  // `highlights` are byte ranges into the UTF-8 snippet, not string indexes.
  function markUp(parent, text, ranges) {
    const bytes = new TextEncoder().encode(text);
    const dec = new TextDecoder();
    const sorted = (ranges || []).filter((r) => Array.isArray(r) && r[0] < r[1]).sort((x, y) => x[0] - y[0]);
    let at = 0;
    for (const [from, to] of sorted) {
      const start = Math.max(at, Math.min(from, bytes.length));
      const end = Math.min(to, bytes.length);
      if (end <= start) continue;
      if (start > at) parent.append(dec.decode(bytes.subarray(at, start)));
      parent.append(el('mark', null, dec.decode(bytes.subarray(start, end))));
      at = end;
    }
    if (at < bytes.length) parent.append(dec.decode(bytes.subarray(at)));
  }

  ui.results.addEventListener('click', (ev) => {
    const a = ev.target.closest('a.hit-title');
    // Let the browser handle new tabs and windows.
    if (!a || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
    ev.preventDefault();
    navigate(parseState(new URL(a.href).search), { fromResults: true });
  });

  function page(delta) {
    navigate(Object.assign({}, current, { offset: Math.max(0, current.offset + delta) }));
    window.scrollTo(0, 0);
  }
  ui.prev.addEventListener('click', () => page(-PAGE));
  ui.next.addEventListener('click', () => page(PAGE));

  // ---- filter chips ----
  function renderChips(s) {
    clear(ui.filters);
    const chip = (label, without) => {
      const b = el('button', 'chip', `${label} ✕`);
      b.type = 'button';
      b.setAttribute('aria-label', `Remove filter ${label}`);
      b.addEventListener('click', () => navigate(narrowed(without)));
      ui.filters.append(b);
    };
    for (const v of s.sections) chip(`section: ${v}`, { sections: s.sections.filter((x) => x !== v) });
    for (const v of s.entities) chip(`entity: ${v}`, { entities: s.entities.filter((x) => x !== v) });
    if (s.since) chip(`since: ${s.since}`, { since: '' });
    if (s.until) chip(`until: ${s.until}`, { until: '' });
  }

  // ---- histogram ----
  function drawHistogram(hist) {
    clear(ui.chart);
    const buckets = (hist && Array.isArray(hist.buckets)) ? hist.buckets : [];
    const undated = (hist && hist.undated) || 0;
    ui.histogram.hidden = buckets.length === 0;
    ui.undated.hidden = !(undated > 0);
    ui.undated.textContent = `undated: ${fmt(undated)}`;
    if (!buckets.length) return;
    $('histogram-heading').textContent = `Articles per ${hist.interval || 'month'}`;

    const W = 300, H = 120, TOP = 14, AXIS = 16;
    const plot = H - TOP - AXIS;
    const max = Math.max(1, ...buckets.map((b) => b.count || 0));
    const step = W / buckets.length;
    const gap = buckets.length > 1 ? Math.min(2, step * 0.2) : 0;
    const chart = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'group',
      'aria-label': 'Matches over time; choose a bar to narrow the search to it' });
    buckets.forEach((b, i) => {
      const count = b.count || 0;
      const h = count ? Math.max(1, (count / max) * plot) : 0;
      const label = `${b.period}: ${fmt(count)}`;
      const bar = svg('rect', { class: 'bar', x: (i * step + gap / 2).toFixed(2),
        y: (TOP + plot - h).toFixed(2), width: Math.max(0.5, step - gap).toFixed(2), height: h.toFixed(2) });
      // Empty periods would narrow to nothing: not worth a tab stop.
      if (count) {
        bar.setAttribute('tabindex', '0');
        bar.setAttribute('role', 'button');
        bar.setAttribute('aria-label', label);
        bar.dataset.period = b.period;
      }
      const title = svg('title');
      title.textContent = label;
      bar.append(title);
      chart.append(bar);
    });
    chart.append(svg('line', { class: 'axis', x1: 0, x2: W, y1: TOP + plot + 0.5, y2: TOP + plot + 0.5 }));
    const axisLabel = (text, x, anchor) => {
      const t = svg('text', { x, y: H - 3, 'text-anchor': anchor, class: 'axis-label' });
      t.textContent = text;
      chart.append(t);
    };
    axisLabel(buckets[0].period, 0, 'start');
    if (buckets.length > 1) axisLabel(buckets[buckets.length - 1].period, W, 'end');
    const peak = svg('text', { x: W, y: TOP - 4, 'text-anchor': 'end', class: 'axis-label' });
    peak.textContent = `max ${fmt(max)}`;
    chart.append(peak);
    ui.chart.append(chart);
  }
  function pickBar(ev) {
    const bar = ev.target.closest && ev.target.closest('rect.bar');
    if (!bar || !bar.dataset.period) return;
    if (ev.type === 'keydown') {
      if (ev.key !== 'Enter' && ev.key !== ' ') return;
      ev.preventDefault();
    }
    navigate(narrowed({ since: bar.dataset.period, until: bar.dataset.period }));
  }
  ui.chart.addEventListener('click', pickBar);
  ui.chart.addEventListener('keydown', pickBar);

  // ---- facets ----
  function drawFacets(facets, s) {
    ui.facets.hidden = !facets;
    if (!facets) return;
    const lists = [
      ['facet-sections', 'section', facets.sections, (r) => r.name, (r) => r.count,
        (v) => s.sections.includes(v)],
      ['facet-years', 'year', facets.years, (r) => (r.year == null ? null : String(r.year)), (r) => r.count,
        (v) => s.since === v && s.until === v],
      ['facet-entities', 'entity', facets.entities, (r) => r.name, (r) => r.articles,
        (v) => s.entities.includes(v)],
    ];
    let any = false;
    for (const [id, kind, rows, nameOf, countOf, active] of lists) {
      const ul = $(id);
      clear(ul);
      for (const r of rows || []) {
        const name = nameOf(r);
        const li = el('li');
        const text = `${name == null || name === '' ? '(none)' : name} (${fmt(countOf(r) || 0)})`;
        if (name == null || name === '') {
          li.append(el('span', 'facet-none', text)); // nothing to narrow to
        } else {
          const b = el('button', 'facet', text);
          b.type = 'button';
          b.dataset.kind = kind;
          b.dataset.value = name;
          b.setAttribute('aria-pressed', String(active(name)));
          if (r.type) b.title = r.type;
          li.append(b);
        }
        ul.append(li);
      }
      ul.parentElement.hidden = ul.childElementCount === 0;
      any = any || ul.childElementCount > 0;
    }
    ui.facets.hidden = !any;
  }
  ui.facets.addEventListener('click', (ev) => {
    const b = ev.target.closest('button.facet');
    if (!b) return;
    const v = b.dataset.value;
    const on = b.getAttribute('aria-pressed') === 'true';
    const toggle = (list) => (on ? list.filter((x) => x !== v) : list.concat([v]));
    if (b.dataset.kind === 'section') navigate(narrowed({ sections: toggle(current.sections) }));
    else if (b.dataset.kind === 'entity') navigate(narrowed({ entities: toggle(current.entities) }));
    else if (b.dataset.kind === 'year') navigate(narrowed(on ? { since: '', until: '' } : { since: v, until: v }));
  });

  // ---- article view ----
  async function showArticle(s, mine, signal) {
    ui.searchView.hidden = true;
    ui.article.hidden = false;
    for (const e of [ui.title, ui.meta, ui.entities, ui.captions, ui.body]) clear(e);
    ui.captions.hidden = true;
    window.scrollTo(0, 0);
    setStatus('Loading…');
    try {
      const a = await getJSON('/api/show/' + encodeURIComponent(s.show), signal);
      if (mine !== seq) return;
      setStatus('');
      drawArticle(a);
      ui.title.focus();
    } catch (e) {
      if (mine !== seq) return;
      ui.title.textContent = 'Article not available';
      setStatus(e.message, true);
    }
  }

  function drawArticle(a) {
    ui.title.textContent = a.title || a.id;
    const date = day(a.published);
    if (date) ui.meta.append(el('span', 'article-date', date));
    if (a.section) ui.meta.append(el('span', 'article-section', a.section));
    if (a.byline) ui.meta.append(el('span', 'article-byline', a.byline));
    if (a.url) {
      let link = el('span', 'article-url', a.url);
      // Only web links: a javascript: or file: url stays plain text.
      if (/^https?:\/\//i.test(a.url)) {
        link = el('a', 'article-url', a.url);
        link.href = a.url;
        link.rel = 'noopener noreferrer';
      }
      ui.meta.append(link);
    }
    ui.meta.append(el('span', 'article-id', a.id));

    for (const e of a.entities || []) {
      if (!e.name) continue;
      const b = el('button', 'entity', e.name);
      b.type = 'button';
      b.dataset.value = e.name;
      b.title = [e.type, e.mentions != null ? `${e.mentions} mentions` : '', e.title ? 'in the title' : '']
        .filter(Boolean).join(', ');
      const li = el('li');
      li.append(b);
      ui.entities.append(li);
    }
    const captions = (a.captions || []).filter(Boolean);
    ui.captions.hidden = captions.length === 0;
    for (const c of captions) ui.captions.append(el('p', 'caption', c));
    for (const para of String(a.body || '').split(/\n[ \t\r]*\n/)) {
      if (para.trim()) ui.body.append(el('p', null, para.trim()));
    }
  }

  ui.entities.addEventListener('click', (ev) => {
    const b = ev.target.closest('button.entity');
    if (!b) return;
    navigate({ q: '', sections: [], entities: [b.dataset.value], since: '', until: '', sort: '', offset: 0, show: '' });
  });

  function back() {
    // Came from the list: its history entry is right behind us.
    if (history.state && history.state.fromResults) history.back();
    else navigate(Object.assign({}, current, { show: '' }));
  }
  $('back').addEventListener('click', back);

  $('home').addEventListener('click', (ev) => {
    if (ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
    ev.preventDefault();
    navigate(parseState(''), { force: true });
    ui.q.focus();
  });

  document.addEventListener('keydown', (ev) => {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const t = ev.target;
    const typing = t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName);
    if (ev.key === '/' && !typing) {
      ev.preventDefault();
      ui.q.focus();
      ui.q.select();
    } else if (ev.key === 'Escape' && !typing && !ui.article.hidden) {
      back();
    }
  });

  window.addEventListener('popstate', () => render(parseState(location.search)));

  // ---- footer and section list ----
  async function loadStats() {
    let st;
    try {
      st = await getJSON('/api/stats');
    } catch (e) {
      return; // the footer is a nicety; searches report their own errors
    }
    // Rows of {name, count} (name null when sectionless); cope with plain names or a map too.
    let rows = st.sections || [];
    if (!Array.isArray(rows)) rows = Object.keys(rows);
    const names = new Set(rows.map((r) => (typeof r === 'string' ? r : r && r.name)).filter((n) => typeof n === 'string' && n));
    // Keep a section the URL asked for even if the index has no such one.
    const chosen = ui.section.value;
    for (const o of [...ui.section.options]) {
      if (o.value) { names.add(o.value); o.remove(); }
    }
    for (const n of [...names].sort((x, y) => x.localeCompare(y))) ensureOption(n);
    ui.section.value = chosen;

    let line = `${fmt(st.documents || 0)} articles`;
    if (day(st.earliest) && day(st.latest)) line += ` · earliest ${day(st.earliest)} – latest ${day(st.latest)}`;
    ui.stats.textContent = line;
  }

  // A reload keeps the entry's state; a fresh visit has none.
  if (!history.state) history.replaceState({ fromResults: false }, '', location.href);
  render(current, true);
  loadStats();
})();
