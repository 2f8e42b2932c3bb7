/*
 * The Django admin's live pages: the event changelist and the event change form.
 *
 * They follow the staff live socket (/ws/console/live/: the public topics and fragments
 * behind the console's role check) with the public pages' protocol (static/js/live.js):
 * - `since=<cursor>` on every (re)connect, so the server replays what was missed;
 * - a fragment's data-version at or below what the page shows is dropped;
 * - a heartbeat ahead of the cursor, or a `resync`, fetches the current state by HTTP.
 * Fragments carry an event's full state (data-score, data-status, data-period,
 * data-version), so the newest one is applied as is; a version jump loses nothing here.
 *
 * Changelist: clean rows take the new values in place; a row with unsaved edits keeps
 * them and is marked "changed meanwhile (vN)" with a one-click refresh; events that
 * appear or leave refetch the list (GET of the same URL, so its filters apply).
 * Change form: a banner says who changed what (GET .../live/?since=<form version>),
 * lists the differences to the form and loads the current state on request, keeping the
 * editor's own edits where they do not conflict; new incidents show in the inline;
 * presence joins the console's (/ws/console/presence/).
 */
(function () {
  'use strict'

  var root = document.getElementById('admin-live')
  if (!root || !window.WebSocket) return

  var HEARTBEAT_GRACE_MS = 300
  var REFETCH_DELAY_MS = 150
  var FLASH_MS = 1500
  var SCHEME = location.protocol === 'https:' ? 'wss:' : 'ws:'
  var labels = JSON.parse(root.getAttribute('data-status-labels') || '{}')
  var cursor = parseInt(root.getAttribute('data-cursor') || '0', 10) || 0
  var failures = 0

  function raiseCursor (seq) { if (seq > cursor) cursor = seq }

  var STATES = {
    connecting: 'connecting…',
    live: 'live updates on',
    reconnecting: 'reconnecting…',
    refused: 'live updates off: no console role'
  }

  function setStatus (state) {
    var el = document.getElementById('admin-live-status')
    if (!el) return
    el.setAttribute('data-state', state)
    el.textContent = STATES[state] || state
  }

  function flash (el) {
    el.classList.add('live-flash')
    setTimeout(function () { el.classList.remove('live-flash') }, FLASH_MS)
  }

  // ---- socket: resume from the cursor, reconnect with full-jitter backoff --------------
  function connect () {
    var url = new URL(root.getAttribute('data-socket'), location.href)
    url.protocol = SCHEME
    url.searchParams.set('since', String(cursor))
    var socket = new WebSocket(url.toString())
    socket.onopen = function () { failures = 0; setStatus('live') }
    socket.onmessage = function (m) { if (typeof m.data === 'string') onFrame(m.data) }
    socket.onclose = function (evt) {
      failures += 1
      setStatus(evt.code === 4403 ? 'refused' : 'reconnecting')
      if (evt.code === 4403) return // no console role: nothing to retry
      setTimeout(connect, Math.random() * 1000 * Math.pow(2, Math.min(failures, 5)))
    }
  }

  function onFrame (text) {
    if (text.charAt(0) === '{') {
      var control
      try { control = JSON.parse(text) } catch (e) { return }
      if (control.type === 'resync') page.refetch()
      else if (control.type === 'replayed' && control.seq) raiseCursor(control.seq)
      else if (control.type === 'heartbeat' && control.seq > cursor) {
        var expected = control.seq
        setTimeout(function () { // a frame may still be on its way
          if (cursor < expected) { raiseCursor(expected); page.refetch() }
        }, HEARTBEAT_GRACE_MS)
      }
      return
    }
    var tpl = document.createElement('template')
    tpl.innerHTML = text
    var newest = {}
    tpl.content.querySelectorAll('[data-event][data-version]').forEach(function (el) {
      var id = el.getAttribute('data-event')
      var version = parseInt(el.getAttribute('data-version'), 10)
      if (isNaN(version) || (newest[id] && newest[id].version >= version)) return
      newest[id] = {
        version: version,
        status: el.getAttribute('data-status') || '',
        score: (el.getAttribute('data-score') || '').split('-'),
        period: el.getAttribute('data-period') || '',
        kickoff: el.getAttribute('data-kickoff') || ''
      }
    })
    page.apply(newest)
    var seq = tpl.content.querySelector('#live-cursor')
    if (seq) raiseCursor(parseInt(seq.getAttribute('data-seq') || '0', 10) || 0)
  }

  // ---- the changelist -------------------------------------------------------------------
  function changelist () {
    var pending = {} // event id -> newest state not applied to a row being edited
    // Only status and kick-off decide whether an event enters or leaves a list (the
    // filters are status, sport, competition, date, search): for an event the list
    // left out, remember them and refetch only when one of them moves.
    var leftOut = {} // event id -> "status|kickoff" the last refetch left out
    var asked = {} // event id -> "status|kickoff" a refetch in flight was asked for
    var kickoffs = {} // event id -> kick-off of a shown row, as its fragments say
    var refetchTimer = null

    function rowsById () {
      var rows = {}
      document.querySelectorAll('#result_list tbody .live-event[data-event]').forEach(function (span) {
        rows[span.getAttribute('data-event')] = span.closest('tr')
      })
      return rows
    }

    function marker (tr) { return tr.querySelector('.live-event') }
    function shownVersion (tr) { return parseInt(marker(tr).getAttribute('data-version'), 10) || 0 }

    function editable (tr) {
      return Array.prototype.filter.call(tr.querySelectorAll('input, select, textarea'), function (el) {
        return el.type !== 'hidden' && el.name !== '_selected_action'
      })
    }

    function isDirty (tr) {
      return editable(tr).some(function (el) {
        if (el.tagName === 'SELECT') {
          return Array.prototype.some.call(el.options, function (o) { return o.selected !== o.defaultSelected })
        }
        return el.value !== el.defaultValue
      })
    }

    function setField (el, value) {
      if (el.tagName === 'SELECT') {
        Array.prototype.forEach.call(el.options, function (o) { o.selected = o.defaultSelected = o.value === value })
      } else {
        el.value = el.defaultValue = value
      }
    }

    function setCell (tr, name, value, text) {
      var td = tr.querySelector('.field-' + name)
      if (!td) return
      var input = td.querySelector('input[name$="-' + name + '"], select[name$="-' + name + '"]')
      if (input) setField(input, value)
      else td.textContent = text
    }

    function applyRow (tr, s) {
      setCell(tr, 'home_score', s.score[0], s.score[0])
      setCell(tr, 'away_score', s.score[1], s.score[1])
      setCell(tr, 'status', s.status, labels[s.status] || s.status)
      setCell(tr, 'period', s.period, s.period || '-')
      setCell(tr, 'version', String(s.version), String(s.version))
      var ver = tr.querySelector('.field-version .live-ver')
      if (ver) ver.textContent = 'v' + s.version
      marker(tr).setAttribute('data-version', String(s.version))
      marker(tr).setAttribute('data-status', s.status)
      unmark(tr)
      flash(tr)
    }

    function unmark (tr) {
      var id = marker(tr).getAttribute('data-event')
      delete pending[id]
      tr.classList.remove('live-meanwhile')
      var mark = tr.querySelector('.live-mark')
      if (mark) mark.remove()
    }

    function markMeanwhile (tr, s, why) {
      var id = marker(tr).getAttribute('data-event')
      if (s) pending[id] = s
      tr.classList.add('live-meanwhile')
      var mark = tr.querySelector('.live-mark')
      if (!mark) {
        mark = document.createElement('span')
        mark.className = 'live-mark'
        var text = document.createElement('span')
        text.className = 'live-mark-text'
        var button = document.createElement('button')
        button.type = 'button'
        button.className = 'live-refresh-row'
        button.textContent = 'refresh row'
        button.title = 'Discard your edits of this row and show the current state'
        button.addEventListener('click', function () {
          if (pending[id]) applyRow(tr, pending[id])
          else unmark(tr)
        })
        mark.appendChild(text)
        mark.appendChild(button)
        marker(tr).closest('th, td').appendChild(mark) // beside the link, not inside it
      }
      mark.querySelector('.live-mark-text').textContent = why ||
        'changed meanwhile (v' + pending[id].version + ')'
    }

    function apply (newest) {
      var rows = rowsById()
      var refetch = false
      Object.keys(newest).forEach(function (id) {
        var s = newest[id]
        var tr = rows[id]
        var placement = s.status + '|' + s.kickoff
        if (!tr) { // maybe newly live or today: the list (its filters) decides
          if (leftOut[id] !== placement) { asked[id] = placement; refetch = true }
          return
        }
        var known = pending[id] ? pending[id].version : shownVersion(tr)
        if (s.version <= known) return // duplicate or stale
        var moved = kickoffs[id] !== undefined && kickoffs[id] !== s.kickoff
        kickoffs[id] = s.kickoff
        if (moved || s.status !== marker(tr).getAttribute('data-status')) refetch = true // may leave
        if (isDirty(tr)) markMeanwhile(tr, s)
        else applyRow(tr, s)
      })
      if (refetch) schedule()
    }

    function schedule () {
      clearTimeout(refetchTimer)
      refetchTimer = setTimeout(refetchNow, REFETCH_DELAY_MS)
    }

    function refetchNow () {
      fetch(location.href, { credentials: 'same-origin', cache: 'no-store' })
        .then(function (r) { return r.ok ? r.text() : '' })
        .then(function (html) { if (html) reconcile(new DOMParser().parseFromString(html, 'text/html')) })
        .catch(function () {})
    }

    function renumber (tr, index) {
      tr.querySelectorAll('[name^="form-"], [id^="id_form-"]').forEach(function (el) {
        if (el.name) el.name = el.name.replace(/^form-\d+-/, 'form-' + index + '-')
        if (el.id) el.id = el.id.replace(/^id_form-\d+-/, 'id_form-' + index + '-')
      })
    }

    // The formset's hidden `form-N-id` inputs sit outside the table (Django renders them
    // in div.hiddenfields): one per row, in the rows' new order.
    function renumberIds (form, order) {
      var holder = form.querySelector('.hiddenfields')
      if (!holder) return
      holder.querySelectorAll('input[name^="form-"][name$="-id"]').forEach(function (el) { el.remove() })
      order.forEach(function (tr, index) {
        var input = document.createElement('input')
        input.type = 'hidden'
        input.name = 'form-' + index + '-id'
        input.id = 'id_form-' + index + '-id'
        input.value = marker(tr).getAttribute('data-event')
        holder.appendChild(input)
      })
    }

    // Bring the list in line with a fresh render of the same URL: rows that entered
    // the filters appear, rows that left go; rows being edited stay as they are.
    function reconcile (doc) {
      var fresh = doc.getElementById('admin-live')
      if (fresh) raiseCursor(parseInt(fresh.getAttribute('data-cursor') || '0', 10) || 0)
      var rows = rowsById()
      var dirty = Object.keys(rows).filter(function (id) { return isDirty(rows[id]) })
      var freshForm = doc.getElementById('changelist-form')
      var form = document.getElementById('changelist-form')
      var freshBody = freshForm && freshForm.querySelector('#result_list tbody')
      var body = form && form.querySelector('#result_list tbody')
      if (!freshForm || !form) return
      var listed = {}
      freshForm.querySelectorAll('.live-event[data-event]').forEach(function (span) {
        listed[span.getAttribute('data-event')] = true
      })
      Object.keys(asked).forEach(function (id) {
        if (listed[id]) delete leftOut[id]
        else leftOut[id] = asked[id]
      })
      asked = {}
      if (!freshBody || !body) {
        if (!dirty.length) form.replaceWith(document.importNode(freshForm, true))
        return
      }
      var kept = {}
      var order = []
      freshBody.querySelectorAll('.live-event[data-event]').forEach(function (span) {
        var id = span.getAttribute('data-event')
        var row = span.closest('tr')
        var version = parseInt(span.getAttribute('data-version'), 10) || 0
        var current = rows[id]
        if (current && (isDirty(current) || shownVersion(current) >= version)) {
          if (isDirty(current) && version > shownVersion(current) && !(pending[id] && pending[id].version >= version)) {
            markMeanwhile(current, stateOf(row))
          }
          order.push(current)
        } else {
          var imported = document.importNode(row, true)
          if (!current) imported.classList.add('live-new')
          order.push(imported)
          if (current) flash(imported)
        }
        kept[id] = true
      })
      dirty.forEach(function (id) { // being edited but no longer in this list: keep it
        if (kept[id]) return
        markMeanwhile(rows[id], null, 'no longer matches this list\'s filters')
        order.push(rows[id])
      })
      order.forEach(renumber)
      body.replaceChildren.apply(body, order)
      renumberIds(form, order)
      ;['TOTAL_FORMS', 'INITIAL_FORMS'].forEach(function (name) {
        var input = form.querySelector('input[name="form-' + name + '"]')
        if (input) input.value = String(order.length)
      })
      var counter = form.querySelector('.paginator')
      var freshCounter = freshForm.querySelector('.paginator')
      if (counter && freshCounter) counter.replaceWith(document.importNode(freshCounter, true))
    }

    // The state a fresh row shows, as a socket fragment would give it.
    function stateOf (tr) {
      var span = tr.querySelector('.live-event')
      function cell (name) {
        var td = tr.querySelector('.field-' + name)
        var input = td && td.querySelector('input, select')
        return input ? input.value : (td ? td.textContent.trim() : '')
      }
      return {
        version: parseInt(span.getAttribute('data-version'), 10) || 0,
        status: span.getAttribute('data-status'),
        score: [cell('home_score'), cell('away_score')],
        period: cell('period') === '-' ? '' : cell('period')
      }
    }

    return { apply: apply, refetch: schedule }
  }

  // ---- the change form ------------------------------------------------------------------
  function changeForm () {
    var eventId = root.getAttribute('data-event')
    var formVersion = parseInt(root.getAttribute('data-version'), 10) || 0 // what the form is based on
    var seenVersion = formVersion
    var lastIncident = parseInt(root.getAttribute('data-last-incident') || '0', 10) || 0
    var current = null // {version, fields} from the last banner fetch
    var fetching = false
    var again = false
    var banner = document.getElementById('live-banner')
    var form = document.getElementById('event_form')
    var editableForm = !!document.getElementById('id_expected_version')

    function apply (newest) {
      var s = newest[eventId]
      if (!s || s.version <= seenVersion) return
      seenVersion = s.version
      var score = document.getElementById('live-box-score')
      if (score && s.score.length === 2) score.textContent = s.score[0] + ' – ' + s.score[1]
      var status = document.getElementById('live-box-status')
      if (status) status.textContent = (labels[s.status] || s.status) + (s.period ? ' · ' + s.period : '')
      var version = document.getElementById('live-box-version')
      if (version) version.textContent = 'version ' + s.version
      showFrame(s)
      refetch()
    }

    function refetch () {
      if (fetching) { again = true; return }
      fetching = true
      var url = root.getAttribute('data-state-url') + '?since=' + formVersion + '&after_incident=' + lastIncident
      fetch(url, { credentials: 'same-origin', cache: 'no-store' })
        .then(function (r) { return r.ok ? r.text() : '' })
        .then(function (html) { if (html) show(html) })
        .catch(function () {})
        .then(function () {
          fetching = false
          if (again) { again = false; refetch() }
        })
    }

    function fieldValue (el) { return el.value }

    function fieldText (el) {
      if (el.tagName === 'SELECT') {
        var option = el.options[el.selectedIndex]
        return option ? option.textContent.trim() : ''
      }
      return el.value === '' ? '—' : el.value
    }

    function show (html) {
      var tpl = document.createElement('template')
      tpl.innerHTML = html
      var state = tpl.content.getElementById('live-state')
      if (!state) return
      var version = parseInt(state.getAttribute('data-version'), 10) || 0
      seenVersion = Math.max(seenVersion, version)
      showIncidents(tpl.content.querySelectorAll('.live-new-incident'))
      if (version <= formVersion) return // the form is current
      current = { version: version, fields: JSON.parse(state.getAttribute('data-current') || '{}') }
      var lines = Array.prototype.map.call(state.querySelectorAll('.live-lines li'), function (li) {
        return document.importNode(li, true)
      })
      render(version, current.fields, lines)
    }

    // The frame alone already says the score, status and period: the banner shows those
    // at once; who changed what, and the other fields, follow from the GET.
    function showFrame (s) {
      if (s.version <= formVersion) return
      var values = { home_score: s.score[0], away_score: s.score[1], status: s.status, period: s.period }
      var fields = {}
      Object.keys(values).forEach(function (name) {
        var value = values[name] || ''
        fields[name] = { value: value, label: name === 'status' ? (labels[value] || value) : (value || '—') }
      })
      render(s.version, fields, null)
    }

    function render (version, fields, lines) {
      banner.querySelector('.lb-version').textContent = 'v' + version + ' (your form has v' + formVersion + ')'
      var list = banner.querySelector('.live-lines')
      if (lines) list.replaceChildren.apply(list, lines)
      var diff = banner.querySelector('.live-diff')
      var items = []
      Object.keys(fields).forEach(function (name) {
        var el = document.getElementById('id_' + name)
        if (!el) return
        var now = fields[name]
        var base = initialOf(name, el)
        var mine = fieldValue(el)
        var text
        if (now.value !== base && mine !== now.value) {
          text = labelOf(name) + ': now ' + now.label + ', the form has ' + fieldText(el) +
            (mine !== base ? ' (your edit: conflict)' : '')
        } else if (mine !== base && mine !== now.value) {
          text = labelOf(name) + ': your unsaved edit ' + fieldText(el) + ' (kept)'
        } else {
          return
        }
        var li = document.createElement('li')
        li.setAttribute('data-field', name)
        li.textContent = text
        items.push(li)
      })
      if (lines || items.length) {
        diff.replaceChildren.apply(diff, items)
        banner.querySelector('.live-diff-box').hidden = !items.length
      }
      // "Load" needs every field: it waits for the GET (a frame has four of them).
      if (button) button.disabled = !current || current.version !== version
      banner.querySelector('.live-loaded').hidden = true
      if (banner.hidden) flash(banner)
      banner.hidden = false
    }

    // What the form was based on: Django's hidden initial value of the field.
    function initialOf (name, el) {
      var initial = form && form.querySelector('input[name="initial-' + name + '"]')
      return initial ? initial.value : el.defaultValue
    }

    function labelOf (name) {
      var label = form && form.querySelector('label[for="id_' + name + '"]')
      return label ? label.textContent.replace(/:$/, '').trim() : name
    }

    function showIncidents (rows) {
      if (!rows.length) return
      var body = document.querySelector('#incidents-group table tbody')
      rows.forEach(function (row) {
        var id = parseInt(row.getAttribute('data-incident'), 10) || 0
        if (id <= lastIncident) return
        lastIncident = id
        var tr = document.importNode(row, true)
        if (body) {
          var before = body.querySelector('tr.form-row:not(.has_original), tr.empty-form, tr.add-row')
          body.insertBefore(tr, before)
          flash(tr)
        }
      })
    }

    function setValue (el, value, label) {
      if (el.tagName === 'SELECT' && !Array.prototype.some.call(el.options, function (o) { return o.value === value })) {
        el.appendChild(new Option(label, value)) // e.g. an autocomplete list holding one team
      }
      el.value = value
      el.dispatchEvent(new Event('change', { bubbles: true }))
    }

    // "Load the current state": untouched fields take the current values; the editor's
    // own edits stay unless the same field changed meanwhile to something else (then the
    // current value wins and the note says what the editor had typed).
    function load () {
      if (!current) return
      if (!editableForm) { location.reload(); return }
      var kept = []
      var replaced = []
      Object.keys(current.fields).forEach(function (name) {
        var el = document.getElementById('id_' + name)
        if (!el) return
        var initial = form.querySelector('input[name="initial-' + name + '"]')
        var base = initialOf(name, el)
        var mine = fieldValue(el)
        var now = current.fields[name]
        if (mine === base) {
          if (mine !== now.value) setValue(el, now.value, now.label)
        } else if (now.value === base || now.value === mine) {
          kept.push(labelOf(name) + ' = ' + fieldText(el))
        } else {
          replaced.push(labelOf(name) + ': yours was ' + fieldText(el) + ', now ' + now.label)
          setValue(el, now.value, now.label)
        }
        if (initial) initial.value = now.value
      })
      formVersion = current.version
      document.querySelectorAll('input[name="expected_version"]').forEach(function (el) { el.value = String(formVersion) })
      root.setAttribute('data-version', String(formVersion))
      var notes = banner.querySelector('.live-loaded')
      var items = ['Loaded v' + formVersion + '.'].concat(
        kept.length ? ['Your edits kept: ' + kept.join(', ')] : [],
        replaced.map(function (line) { return 'Conflict, current value loaded: ' + line })
      ).map(function (text) {
        var li = document.createElement('li')
        li.textContent = text
        return li
      })
      notes.replaceChildren.apply(notes, items)
      notes.hidden = false
      banner.querySelector('.live-diff-box').hidden = true
      banner.querySelector('.live-lines').replaceChildren()
      banner.querySelector('.lb-version').textContent = 'v' + formVersion + ' (loaded)'
      current = null
    }

    var button = document.getElementById('live-load')
    if (button) {
      if (!editableForm) button.textContent = 'Reload the current state'
      button.addEventListener('click', load)
    }

    // Presence: the same store as the console, so both sides see each other.
    var me = root.getAttribute('data-me') || ''
    function connectPresence () {
      var socket = new WebSocket(SCHEME + '//' + location.host + root.getAttribute('data-presence'))
      socket.onopen = function () { socket.send(JSON.stringify({ type: 'open', event: parseInt(eventId, 10) })) }
      socket.onmessage = function (m) {
        var message
        try { message = JSON.parse(m.data) } catch (e) { return }
        if (message.type !== 'presence') return
        var names = ((message.events || {})[eventId] || []).filter(function (n) { return n !== me })
        var el = document.getElementById('admin-presence')
        if (!el) return
        el.replaceChildren()
        if (names.length) el.appendChild(document.createTextNode('Also open by: '))
        names.forEach(function (name) {
          var chip = document.createElement('span')
          chip.className = 'who'
          chip.textContent = name
          chip.title = name + ' has this event open'
          el.appendChild(chip)
        })
      }
      socket.onclose = function (evt) {
        if (evt.code !== 4403) setTimeout(connectPresence, 2000 + Math.random() * 3000)
      }
    }
    connectPresence()

    return { apply: apply, refetch: refetch }
  }

  var page = root.getAttribute('data-page') === 'change' ? changeForm() : changelist()
  connect()

  // Test hook (browser tests read it; no behaviour depends on it).
  window.scorelineAdminLive = { cursor: function () { return cursor } }
})()
