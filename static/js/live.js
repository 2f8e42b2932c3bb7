/*
 * Scoreline live pages: the client half of the live protocol in docs/ARCHITECTURE.md (resume, dedupe, heal).
 *
 * The htmx ws extension owns the socket and swaps HTML frames out of band. This file:
 * - appends `since=<cursor>` to every (re)connect (htmx.createWebSocket override);
 * - filters every frame by version (the `live` extension's transformResponse):
 *   stale/duplicate -> dropped, next version -> applied, a gap -> fetch that event's
 *   fragment (a message was lost), unknown row the page should show -> refetch region;
 * - handles JSON control frames (resync, heartbeat, replayed);
 * - shows live / reconnecting / offline, flashes changed scores, removes finished rows
 *   from "Live now", ticks clocks and "updated N s ago" locally (no server messages).
 */
(function () {
  'use strict'

  if (!window.htmx) return // no htmx: the page stays a plain server render

  var FLASH_MS = 1500
  var LEAVE_LIVE_MS = 2000
  var HEARTBEAT_GRACE_MS = 300
  var REPLAY_TIMEOUT_MS = 3000
  var OFFLINE_AFTER_FAILURES = 3
  var LIVE_STATUSES = { live: true, break: true }

  var replaying = false
  var replayTimer = null
  var failures = 0
  var healing = {}
  var refetchTimer = null
  var refetchInFlight = false

  // ---- cursor -------------------------------------------------------------------------
  function cursor () {
    var el = document.getElementById('live-cursor')
    return el ? parseInt(el.getAttribute('data-seq') || '0', 10) || 0 : 0
  }

  function raiseCursor (seq) {
    var el = document.getElementById('live-cursor')
    if (el && seq > cursor()) el.setAttribute('data-seq', String(seq))
  }

  function liveRoot () { return document.getElementById('live-root') }

  // ---- socket: resume from the cursor, backoff with full jitter ----------------------
  htmx.config.wsReconnectDelay = 'full-jitter'
  htmx.createWebSocket = function (url) {
    var u = new URL(url, window.location.href)
    u.searchParams.set('since', String(cursor()))
    var socket = new WebSocket(u.toString(), [])
    socket.binaryType = htmx.config.wsBinaryType
    return socket
  }

  function jitterDelay (attempt) {
    return Math.random() * 1000 * Math.pow(2, Math.min(attempt, 6))
  }

  // ---- indicator ------------------------------------------------------------------------
  var LABELS = { live: 'Live', reconnecting: 'Reconnecting…', offline: 'Offline', connecting: 'Connecting…' }

  function setIndicator (state) {
    var el = document.getElementById('live-status')
    if (!el || el.getAttribute('data-state') === state) return
    el.setAttribute('data-state', state)
    var label = el.querySelector('.label')
    if (label) label.textContent = LABELS[state] || state
  }

  function markCurrent () {
    replaying = false
    clearTimeout(replayTimer)
    failures = 0
    setIndicator('live')
  }

  // ---- applying fragments ------------------------------------------------------------
  function versionOf (el) {
    var v = parseInt(el.getAttribute('data-version'), 10)
    return isNaN(v) ? null : v
  }

  function pageWants (el) {
    // A row this page does not show: should it? (an event newly live, a new fixture)
    var root = liveRoot()
    if (!root || el.id.indexOf('event-row-') !== 0) return false
    var page = root.getAttribute('data-page')
    if (page === 'live') {
      var sport = root.getAttribute('data-sport')
      return !!LIVE_STATUSES[el.getAttribute('data-status')] &&
        (!sport || sport === el.getAttribute('data-sport'))
    }
    if (page === 'day') {
      var kickoff = Date.parse(el.getAttribute('data-kickoff'))
      return kickoff >= Date.parse(root.getAttribute('data-day-start')) &&
        kickoff < Date.parse(root.getAttribute('data-day-end'))
    }
    if (page === 'competition') {
      return el.getAttribute('data-competition') === root.getAttribute('data-competition')
    }
    return false
  }

  function markChanges (current, incoming) {
    // Flash a changed score; a new red card flashes its marker.
    if (current.getAttribute('data-score') !== incoming.getAttribute('data-score') &&
        current.hasAttribute('data-score')) {
      incoming.classList.add('score-changed')
      scheduleUnflash(incoming.id, 'score-changed')
    }
    var before = (current.getAttribute('data-red') || '0-0').split('-')
    var after = (incoming.getAttribute('data-red') || '0-0').split('-')
    if (+after[0] > +before[0] || +after[1] > +before[1]) {
      incoming.classList.add('red-changed')
      scheduleUnflash(incoming.id, 'red-changed')
    }
  }

  function scheduleUnflash (id, cls) {
    setTimeout(function () {
      var el = document.getElementById(id)
      if (el) el.classList.remove(cls)
    }, FLASH_MS)
  }

  /*
   * Filter one frame (or a healing response). `trusted`: the HTML is the current state
   * fetched over HTTP (or a replay), so any newer version applies without gap checks.
   */
  function coversOf (tpl) {
    // `data-covers="<event>:<version>,..."` on the cursor: the hub coalesced versions
    // from <version> on into this frame's (full-state) fragment of <event>: not a loss.
    var covers = {}
    var el = tpl.content.querySelector('#live-cursor[data-covers]')
    if (!el) return covers
    el.getAttribute('data-covers').split(',').forEach(function (pair) {
      var parts = pair.split(':')
      var v = parseInt(parts[1], 10)
      if (parts[0] && !isNaN(v)) covers[parts[0]] = v
    })
    return covers
  }

  function filterFrame (html, trusted) {
    var tpl = document.createElement('template')
    tpl.innerHTML = html
    var seen = {}
    var covers = coversOf(tpl)
    var children = Array.prototype.slice.call(tpl.content.children)
    for (var i = 0; i < children.length; i++) {
      var el = children[i]
      if (el.id === 'live-cursor') {
        var seq = parseInt(el.getAttribute('data-seq') || '0', 10)
        if (!(seq > cursor())) el.remove() // never move the cursor back
        continue
      }
      var eventId = el.getAttribute('data-event')
      var version = versionOf(el)
      if (!el.id || !eventId || version === null) continue
      var current = document.getElementById(el.id)
      if (!current) {
        el.remove()
        if (pageWants(el)) refetchRegion(150)
        continue
      }
      var have = Math.max(versionOf(current) || 0, seen[el.id] || 0)
      if (version <= have) { el.remove(); continue } // duplicate or stale
      var covered = covers[eventId] !== undefined && covers[eventId] <= have + 1
      if (version > have + 1 && !trusted && !replaying && !covered) {
        el.remove() // a message was lost: fetch this event's current fragment
        heal(eventId, el.id.indexOf('event-row-') === 0 ? 'row' : 'detail')
        continue
      }
      seen[el.id] = version
      markChanges(current, el)
    }
    return tpl.innerHTML
  }

  function swapOutOfBand (html) {
    // The same out-of-band swap htmx does for socket frames, for HTTP-fetched fragments.
    var tpl = document.createElement('template')
    tpl.innerHTML = html
    Array.prototype.slice.call(tpl.content.children).forEach(function (el) {
      var target = el.id && document.getElementById(el.id)
      if (!target) return
      el.removeAttribute('hx-swap-oob')
      target.replaceWith(el)
      htmx.process(el)
    })
    afterApply()
  }

  function heal (eventId, part) {
    var key = eventId + ':' + part
    if (healing[key]) return
    healing[key] = true
    fetch('/events/' + encodeURIComponent(eventId) + '/fragment/?part=' + part, {
      headers: { 'HX-Request': 'true' }, cache: 'no-store'
    }).then(function (response) {
      return response.ok ? response.text() : ''
    }).then(function (html) {
      if (html) swapOutOfBand(filterFrame(html, true))
    }).catch(function () {}).then(function () { delete healing[key] })
  }

  // ---- region refetch (resync, heartbeat behind, row newly on the page) --------------
  function refetchRegion (delay) {
    clearTimeout(refetchTimer)
    refetchTimer = setTimeout(doRefetch, delay || 0)
  }

  function doRefetch () {
    var root = liveRoot()
    if (!root) return
    if (refetchInFlight) { refetchRegion(200); return }
    refetchInFlight = true
    var url = root.getAttribute('data-region-url') || window.location.pathname + window.location.search
    fetch(url, {
      headers: { 'HX-Request': 'true', 'HX-Target': 'live-region' }, cache: 'no-store'
    }).then(function (response) {
      return response.ok ? response.text() : ''
    }).then(function (html) {
      if (html) replaceRegion(html)
    }).catch(function () {}).then(function () { refetchInFlight = false })
  }

  function replaceRegion (html) {
    var region = document.getElementById('live-region')
    var tpl = document.createElement('template')
    tpl.innerHTML = html.trim()
    var fresh = tpl.content.querySelector('#live-region')
    if (!region || !fresh) return
    // A frame may have landed while the request was in flight: keep whatever is newer.
    fresh.querySelectorAll('[data-event][data-version]').forEach(function (el) {
      var current = document.getElementById(el.id)
      if (!current) return
      var have = versionOf(current)
      if (have !== null && have > versionOf(el)) el.replaceWith(current)
      else if (have !== null && have < versionOf(el)) markChanges(current, el)
    })
    var seq = Math.max(cursor(), parseInt((fresh.querySelector('#live-cursor') || region).getAttribute('data-seq') || '0', 10))
    region.replaceWith(fresh)
    raiseCursor(seq)
    htmx.process(fresh)
    afterApply()
    markCurrent()
  }

  // ---- socket events ---------------------------------------------------------------------
  htmx.defineExtension('live', {
    transformResponse: function (text, xhr) {
      return xhr ? text : filterFrame(text, false) // socket frames only
    }
  })

  document.addEventListener('htmx:wsBeforeMessage', function (evt) {
    var message = evt.detail.message
    if (typeof message !== 'string' || message.charAt(0) !== '{') return
    evt.preventDefault() // control frames are not HTML
    var control
    try { control = JSON.parse(message) } catch (e) { return }
    if (control.type === 'resync') {
      refetchRegion(0)
    } else if (control.type === 'replayed') {
      if (control.seq) raiseCursor(control.seq)
      markCurrent()
    } else if (control.type === 'heartbeat' && control.seq > cursor()) {
      var expected = control.seq
      setTimeout(function () { // a frame may still be on its way
        if (cursor() < expected) refetchRegion(0)
      }, HEARTBEAT_GRACE_MS)
    }
  })

  document.addEventListener('htmx:wsAfterMessage', afterApply)

  document.addEventListener('htmx:wsConnecting', function () {
    var state = document.getElementById('live-status')
    if (state && state.getAttribute('data-state') === 'static') setIndicator('connecting')
  })

  document.addEventListener('htmx:wsOpen', function () {
    // Current once the server has replayed what we missed (or told us to resync).
    replaying = true
    clearTimeout(replayTimer)
    replayTimer = setTimeout(markCurrent, REPLAY_TIMEOUT_MS)
  })

  document.addEventListener('htmx:wsClose', function (evt) {
    var root = liveRoot()
    if (!root || !document.body.contains(evt.target)) return // navigated away
    replaying = false
    failures += 1
    setIndicator(failures >= OFFLINE_AFTER_FAILURES || !navigator.onLine ? 'offline' : 'reconnecting')
    var code = evt.detail.event && evt.detail.event.code
    // htmx reconnects by itself after 1006/1011/1012/1013; we also come back after a
    // server going away (1001) and after being dropped as a slow consumer (4408).
    if (code === 1001 || code === 4408) {
      var wrapper = evt.detail.socketWrapper
      setTimeout(function () { if (document.body.contains(root)) wrapper.reconnect() }, jitterDelay(failures - 1))
    }
  })

  document.addEventListener('htmx:wsError', function () {
    setIndicator(failures >= OFFLINE_AFTER_FAILURES ? 'offline' : 'reconnecting')
  })

  window.addEventListener('offline', function () { if (liveRoot()) setIndicator('offline') })

  // ---- after every change: sweep "Live now", localise times ----------------------------
  function afterApply () {
    sweepLiveNow()
    sweepDay()
    tick()
  }

  function sweepDay () {
    // A row whose kick-off moved to another day: this day's page, fetched again, drops it.
    var root = liveRoot()
    if (!root || root.getAttribute('data-page') !== 'day') return
    var rows = root.querySelectorAll('.row[data-kickoff]')
    for (var i = 0; i < rows.length; i++) {
      if (!pageWants(rows[i])) { refetchRegion(0); return }
    }
  }

  function sweepLiveNow () {
    var root = liveRoot()
    if (!root || root.getAttribute('data-page') !== 'live') return
    root.querySelectorAll('.row[data-status]').forEach(function (row) {
      if (LIVE_STATUSES[row.getAttribute('data-status')] || row.hasAttribute('data-leaving')) return
      row.setAttribute('data-leaving', '')
      row.classList.add('leaving')
      var id = row.id
      setTimeout(function () {
        var el = document.getElementById(id)
        if (!el || LIVE_STATUSES[el.getAttribute('data-status')]) return
        var competition = el.closest('.competition')
        var sport = el.closest('.sport')
        el.remove()
        if (competition && !competition.querySelector('.row')) competition.remove()
        if (sport) {
          var count = sport.querySelectorAll('.row').length
          if (!count) sport.remove()
          else if (sport.querySelector('.count')) sport.querySelector('.count').textContent = count
        }
      }, LEAVE_LIVE_MS)
    })
  }

  // ---- local ticking: clocks, freshness, goal marks, local times ------------------------
  function pad (n) { return (n < 10 ? '0' : '') + n }

  function clockText (d, now) {
    var elapsed = parseInt(d.clockElapsed || '0', 10)
    if (d.clockRunning === 'true' && d.clockAnchor) {
      elapsed += Math.max(0, Math.floor((now - Date.parse(d.clockAnchor)) / 1000))
    }
    var length = parseInt(d.periodSeconds || '0', 10)
    var base = parseInt(d.minuteBase || '0', 10)
    if (d.clockDown === 'true') {
      var left = Math.max(0, length - elapsed)
      return d.period + ' ' + pad(Math.floor(left / 60)) + ':' + pad(left % 60)
    }
    if (length && elapsed >= length) {
      if (d.sportKind === 'football') { // stoppage time: 45+2'
        return (base + length / 60) + '+' + (Math.floor((elapsed - length) / 60) + 1) + '\''
      }
      elapsed = length - 1 // other clocks stop at the period's end
    }
    var prefix = d.sportKind === 'ice_hockey' ? d.period + ' ' : ''
    return prefix + (base + Math.floor(elapsed / 60) + 1) + '\''
  }

  function ago (seconds) {
    if (seconds < 60) return seconds + ' s ago'
    if (seconds < 3600) return Math.floor(seconds / 60) + ' min ago'
    return Math.floor(seconds / 3600) + ' h ago'
  }

  var timeFormat = { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }
  var dateTimeFormat = { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }

  function tick () {
    var now = Date.now()
    document.querySelectorAll('[data-has-clock="true"][data-clock-running="true"]').forEach(function (root) {
      var clock = root.querySelector('.js-clock')
      if (clock) {
        var text = clockText(root.dataset, now)
        if (clock.textContent !== text) clock.textContent = text
      }
    })
    document.querySelectorAll('.fresh[data-updated-at]').forEach(function (el) {
      var seconds = Math.max(0, Math.round((now - Date.parse(el.getAttribute('data-updated-at'))) / 1000))
      var text = 'updated ' + ago(seconds)
      if (el.textContent !== text) el.textContent = text
    })
    document.querySelectorAll('.goal-mark[data-until]').forEach(function (el) {
      if (Date.parse(el.getAttribute('data-until')) < now) {
        var row = el.closest('.row')
        if (row) row.classList.remove('has-goal')
        el.remove()
      }
    })
    document.querySelectorAll('time[data-local]:not([data-localised])').forEach(function (el) {
      var when = new Date(el.getAttribute('datetime'))
      if (isNaN(when)) return
      if (el.getAttribute('data-local') === 'time') {
        var time = when.toLocaleTimeString([], timeFormat)
        var today = new Date()
        el.textContent = when.toDateString() === today.toDateString()
          ? time
          : when.toLocaleDateString([], { day: 'numeric', month: 'short' }) + '\n' + time
      } else {
        el.textContent = when.toLocaleString([], dateTimeFormat)
      }
      el.setAttribute('data-localised', '')
    })
  }

  // ---- time zone: the by-day page renders in the viewer's zone -------------------------
  function syncTimeZone () {
    var zone
    try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone } catch (e) { return }
    if (!zone) return
    var cookie = document.cookie.split('; ').filter(function (c) { return c.indexOf('tz=') === 0 })[0]
    if (cookie && decodeURIComponent(cookie.slice(3)) === zone) return
    document.cookie = 'tz=' + encodeURIComponent(zone) + '; path=/; max-age=31536000; SameSite=Lax'
    var root = liveRoot()
    var explicit = new URLSearchParams(window.location.search).has('tz')
    if (root && root.getAttribute('data-page') === 'day' && !explicit &&
        root.getAttribute('data-tz') !== zone) {
      htmx.ajax('GET', window.location.pathname + window.location.search,
        { target: '#live-root', swap: 'outerHTML' })
    }
  }

  document.addEventListener('htmx:load', function () { tick() })
  document.addEventListener('htmx:oobAfterSwap', function () { tick() })
  document.addEventListener('DOMContentLoaded', function () {
    if (liveRoot()) setIndicator('connecting')
    syncTimeZone()
    tick()
    setInterval(tick, 1000)
  })

  // Test hook (browser tests read it; no behaviour depends on it).
  window.scorelineLive = { cursor: cursor, filterFrame: filterFrame, refetchRegion: refetchRegion }
})()
