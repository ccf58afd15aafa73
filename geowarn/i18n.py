"""One message catalogue (en, ja) for what the library says to a reader.

Every user-facing string the library renders lives in :data:`CATALOGUE`, a dict
of message ids → ``{"en": …, "ja": …}`` with :meth:`str.format` placeholders.
The web layer can later export it to gettext ``.po`` files (Flask-Babel) with
the message id as ``msgctxt`` and the English text as ``msgid``.

>>> message("verdict.warning", "ja", time="07:00（日本時間）")
'07:00（日本時間）から警報'
>>> message("verdict.warning", "en-GB", time="07:00 JST")
'Warning from 07:00 JST'
>>> pick_language(None, "fr-FR,ja;q=0.8,en;q=0.5", "KR-11")
'ja'
>>> pick_language(None, None, "JP-47"), pick_language("en", "ja", "JP-47")
('ja', 'en')
"""

from __future__ import annotations

#: Languages every message has; the first is the fallback.
LANGUAGES: tuple[str, ...] = ("en", "ja")
DEFAULT_LANGUAGE = "en"
#: A reader's language → the language of the CAP ``<info>`` block whose headline titles a feed entry.
CAP_LANGUAGES: dict[str, str] = {"en": "en-US", "ja": "ja-JP"}

#: Message id → text per language. Placeholders: ``{time}`` is a local time with its zone
#: already rendered (see :func:`zone_label`), ``{start}``/``{end}`` local times, ``{first}``/
#: ``{last}`` local dates.
CATALOGUE: dict[str, dict[str, str]] = {
    "verdict.affected_now": {"en": "Affected now", "ja": "現在影響あり"},
    "verdict.affected_now_until": {"en": "Affected now until {time}", "ja": "{time}まで影響あり"},
    "verdict.warning": {"en": "Warning from {time}", "ja": "{time}から警報"},
    "verdict.warning_untimed": {"en": "Warning: no time given", "ja": "警報（時刻未定）"},
    "verdict.expected_later": {"en": "Expected from {time}", "ja": "{time}から予想"},
    "verdict.ended": {"en": "Ended at {time}", "ja": "{time}に終了"},
    "verdict.ended_untimed": {"en": "Ended", "ja": "終了"},
    "verdict.cancelled": {"en": "Cancelled at {time}", "ja": "{time}に取消"},
    "verdict.cancelled_untimed": {"en": "Cancelled", "ja": "取消"},
    "verdict.not_affected": {"en": "Not affected", "ja": "影響なし"},
    "schedule.daily": {
        "en": "Daily {start}–{end}, {first} to {last}",
        "ja": "{first}から{last}まで毎日{start}〜{end}",
    },
    "time.with_zone": {"en": "{time} {zone}", "ja": "{time}（{zone}）"},
    "zone.Asia/Tokyo": {"en": "JST", "ja": "日本時間"},
    "zone.Asia/Seoul": {"en": "KST", "ja": "韓国時間"},
    "zone.Asia/Pyongyang": {"en": "KST", "ja": "北朝鮮時間"},
    "zone.Asia/Shanghai": {"en": "CST", "ja": "中国時間"},
    "zone.Asia/Taipei": {"en": "CST", "ja": "台湾時間"},
    "zone.Asia/Manila": {"en": "PHT", "ja": "フィリピン時間"},
    "zone.Asia/Vladivostok": {"en": "VLAT", "ja": "ウラジオストク時間"},
    "zone.UTC": {"en": "UTC", "ja": "協定世界時"},
    # pages: shared chrome (base.html)
    "page.skip": {"en": "Skip to content", "ja": "本文へ移動"},
    "page.nav_label": {"en": "Main", "ja": "メイン"},
    "page.dashboard": {"en": "Dashboard", "ja": "ダッシュボード"},
    "page.okinawa": {"en": "Okinawa", "ja": "沖縄県"},
    "page.api": {"en": "API", "ja": "API"},
    "page.atom": {"en": "Atom", "ja": "Atom"},
    "page.operator": {"en": "Operator", "ja": "オペレーター"},
    "page.logout": {"en": "Log out", "ja": "ログアウト"},
    "page.language": {"en": "Language", "ja": "言語"},
    "page.footer": {
        "en": "fall corridors of rockets and space debris · approximate maritime zones are not legal boundaries",
        "ja": "ロケット・宇宙ごみの落下区域 · 海域の区分は概略で、法的な境界ではありません",
    },
    # live updates (webapp/static/live.js announces it when the page content was refreshed)
    "live.updated": {"en": "Page updated with the latest changes", "ja": "最新の情報に更新しました"},
    # region page (region.html)
    "region.verdict_label": {"en": "Verdict", "ja": "判定"},
    "region.not_affected_now": {"en": "Not affected now", "ja": "現在影響なし"},
    "region.no_warning": {"en": "No warning covers {region}.", "ja": "{region}を対象とする警報はありません。"},
    "region.checked_at": {"en": "Checked at {time}", "ja": "{time}時点"},
    "region.current": {"en": "Current warnings", "ja": "現在の警報"},
    "region.no_current": {"en": "No current warning.", "ja": "現在の警報はありません。"},
    "region.history": {"en": "History ({count})", "ja": "履歴（{count}件）"},
    "region.map": {"en": "Map", "ja": "地図"},
    "region.map_title": {"en": "Map of {event}", "ja": "{event}の地図"},
    "region.times": {"en": "Times in {zone} ({tz}).", "ja": "時刻は{zone}（{tz}）です。"},
    "region.zones_api": {"en": "Zones (API)", "ja": "区域（API）"},
    "region.table_scroll": {"en": "Table, scrolls sideways", "ja": "表（横にスクロールできます）"},
    "col.event": {"en": "Event", "ja": "事象"},
    "col.state": {"en": "State", "ja": "状態"},
    "col.phase": {"en": "Phase", "ja": "段階"},
    "col.zone": {"en": "Zone", "ja": "区域"},
    "col.severity": {"en": "Severity", "ja": "深刻度"},
    "col.response": {"en": "Response", "ja": "対応"},
    "col.window": {"en": "Window (local)", "ja": "時間帯（現地時間）"},
    "state.affected_now": {"en": "Affected now", "ja": "現在影響あり"},
    "state.warning": {"en": "Warning", "ja": "警報"},
    "state.expected_later": {"en": "Expected later", "ja": "後ほど予想"},
    "state.ended": {"en": "Ended", "ja": "終了"},
    "state.cancelled": {"en": "Cancelled", "ja": "取消"},
    "state.not_affected": {"en": "Not affected", "ja": "影響なし"},
    "row.cancelled_at": {"en": "Cancelled at {time}", "ja": "{time}に取消"},
    "countdown.days": {"en": "in {d} d {h} h", "ja": "あと{d}日{h}時間"},
    "countdown.hours": {"en": "in {h} h {m} min", "ja": "あと{h}時間{m}分"},
    "countdown.minutes": {"en": "in {m} min", "ja": "あと{m}分"},
    "severity.Extreme": {"en": "Extreme", "ja": "極めて重大"},
    "severity.Severe": {"en": "Severe", "ja": "重大"},
    "severity.Moderate": {"en": "Moderate", "ja": "中程度"},
    "severity.Minor": {"en": "Minor", "ja": "軽微"},
    "severity.Unknown": {"en": "Unknown", "ja": "不明"},
    "phase.stage1": {"en": "stage 1", "ja": "1段目"},
    "phase.fairing": {"en": "fairing", "ja": "フェアリング"},
    "phase.stage2": {"en": "stage 2", "ja": "2段目"},
    "phase.stage3": {"en": "stage 3", "ja": "3段目"},
    "phase.reentry": {"en": "re-entry", "ja": "再突入"},
    "phase.overflight": {"en": "overflight", "ja": "上空通過"},
    "phase.debris": {"en": "debris", "ja": "破片"},
    "phase.other": {"en": "other", "ja": "その他"},
    "response.Shelter": {"en": "Shelter", "ja": "屋内退避"},
    "response.Evacuate": {"en": "Evacuate", "ja": "避難"},
    "response.Prepare": {"en": "Prepare", "ja": "備える"},
    "response.Execute": {"en": "Execute", "ja": "実行"},
    "response.Avoid": {"en": "Avoid", "ja": "近づかない"},
    "response.Monitor": {"en": "Monitor", "ja": "情報に注意"},
    "response.Assess": {"en": "Assess", "ja": "状況を確認"},
    "response.AllClear": {"en": "All clear", "ja": "解除"},
    "response.None": {"en": "None", "ja": "なし"},
    "urgency.Immediate": {"en": "Immediate", "ja": "直ちに"},
    "urgency.Expected": {"en": "Expected", "ja": "間もなく"},
    "urgency.Future": {"en": "Future", "ja": "将来"},
    "urgency.Past": {"en": "Past", "ja": "過去"},
    "urgency.Unknown": {"en": "Unknown", "ja": "不明"},
    "certainty.Observed": {"en": "Observed", "ja": "観測"},
    "certainty.Likely": {"en": "Likely", "ja": "可能性が高い"},
    "certainty.Possible": {"en": "Possible", "ja": "可能性あり"},
    "certainty.Unlikely": {"en": "Unlikely", "ja": "可能性が低い"},
    "certainty.Unknown": {"en": "Unknown", "ja": "不明"},
    "kind.launch": {"en": "launch", "ja": "打ち上げ"},
    "kind.reentry": {"en": "re-entry", "ja": "再突入"},
    "kind.other": {"en": "other", "ja": "その他"},
    # an event's lifecycle status (geowarn.verdict.Lifecycle) and its banner
    "lifecycle.active": {"en": "Active", "ja": "発表中"},
    "lifecycle.ended": {"en": "Ended", "ja": "終了"},
    "lifecycle.cancelled": {"en": "Cancelled", "ja": "取消"},
    # the service's and the desk's own notes of an event version (geowarn.views.note_text reads them back)
    "note.created": {"en": "created", "ja": "作成"},
    "note.updated": {"en": "updated", "ja": "更新"},
    "note.cancelled": {"en": "cancelled", "ja": "取消"},
    "note.patched": {"en": "patched", "ja": "修正"},
    "note.operator_cancel": {"en": "cancelled by an operator", "ja": "オペレーターが取消"},
    "note.published": {"en": "published from {format}", "ja": "{format}から発表"},
    "note.published_drawn": {"en": "published", "ja": "発表"},
    "note.replaced_drawn": {"en": "corridors replaced", "ja": "落下区域を差し替え"},
    "note.replaced": {"en": "corridors replaced from {format}", "ja": "{format}から落下区域を差し替え"},
    "note.drawn": {"en": "{note} (corridors drawn on the map)", "ja": "{note}（落下区域は地図上で作図）"},
    "banner.cancelled": {"en": "Cancelled at {time}", "ja": "{time}に取消"},
    "banner.cancelled_untimed": {"en": "Cancelled", "ja": "取消"},
    "banner.cancelled_note": {
        "en": "This warning was cancelled and no longer applies.",
        "ja": "この警報は取り消されました。現在は対象外です。",
    },
    "banner.ended": {"en": "All clear: ended at {time}", "ja": "警戒解除：{time}に終了"},
    "banner.ended_untimed": {"en": "All clear: ended", "ja": "警戒解除：終了"},
    "banner.ended_note": {"en": "Every window of this event is over.", "ja": "この事象の時間帯はすべて終わりました。"},
    # shared page controls
    "page.share": {"en": "Copy link", "ja": "リンクをコピー"},
    "page.copied": {"en": "Link copied", "ja": "リンクをコピーしました"},
    "page.copy_failed": {"en": "Copy this link: {url}", "ja": "このリンクをコピーしてください：{url}"},
    "page.times": {"en": "Times in {zone} ({tz}).", "ja": "時刻は{zone}（{tz}）です。"},
    "map.legend": {"en": "Legend", "ja": "凡例"},
    "map.windows": {"en": "Windows ({tz}) — click one to highlight", "ja": "時間帯（{tz}）— クリックで強調表示"},
    "map.more": {"en": "+{n} more", "ja": "ほか{n}件"},
    # dashboard (dashboard.html)
    "dash.title": {"en": "Rocket stages and space debris: current warnings", "ja": "ロケット・宇宙ごみ：現在の警報"},
    "dash.active": {"en": "Active events ({count})", "ja": "発表中の事象（{count}件）"},
    "dash.no_active": {"en": "No active event.", "ja": "発表中の事象はありません。"},
    "dash.recent": {"en": "Recent events (ended or cancelled)", "ja": "最近の事象（終了・取消）"},
    "dash.no_recent": {"en": "No cancelled or ended event.", "ja": "取消・終了した事象はありません。"},
    "dash.regions": {"en": "Regions:", "ja": "地域："},
    "dash.machine": {"en": "Machine access:", "ja": "機械向け："},
    "dash.alert_zones": {"en": "alert zones", "ja": "警戒区域"},
    "dash.atom_feed": {"en": "Atom feed", "ja": "Atomフィード"},
    "dash.overview": {"en": "Overview map", "ja": "概観地図"},
    "dash.overview_title": {"en": "Map of the active events", "ja": "発表中の事象の地図"},
    "col.window_zone": {"en": "Window ({zone})", "ja": "時間帯（{zone}）"},
    "col.zones": {"en": "Zones", "ja": "区域数"},
    "col.worst": {"en": "Worst", "ja": "最大深刻度"},
    "col.version": {"en": "Version", "ja": "版"},
    "col.status": {"en": "Status", "ja": "状態"},
    "col.region": {"en": "Region", "ja": "地域"},
    "col.layer": {"en": "Layer", "ja": "レイヤー"},
    "col.urgency": {"en": "Urgency", "ja": "緊急度"},
    "col.certainty": {"en": "Certainty", "ja": "確実度"},
    "col.area": {"en": "Area km²", "ja": "面積 km²"},
    "col.distance": {"en": "Distance km", "ja": "距離 km"},
    "col.id": {"en": "Id", "ja": "ID"},
    "col.label": {"en": "Label", "ja": "説明"},
    "col.source": {"en": "Source", "ja": "出典"},
    "col.updated": {"en": "Updated ({zone})", "ja": "更新（{zone}）"},
    "col.change": {"en": "Change", "ja": "変更内容"},
    "col.corridors": {"en": "Corridors", "ja": "落下区域数"},
    # event page (event.html)
    "event.meta": {
        "en": "{kind} · version {version} · window {window} · {zones} alert zones",
        "ja": "{kind} · 第{version}版 · 時間帯 {window} · 警戒区域{zones}件",
    },
    "event.downloads": {"en": "Downloads:", "ja": "ダウンロード："},
    "event.map_html": {"en": "map (HTML)", "ja": "地図（HTML）"},
    "event.update": {"en": "update as operator", "ja": "オペレーターとして更新"},
    "event.zones": {"en": "Alert zones", "ja": "警戒区域"},
    "event.no_zones": {
        "en": "No alert zone: the corridors touch no region of the reference layers.",
        "ja": "警戒区域なし：落下区域はどの参照地域にもかかりません。",
    },
    "event.corridors": {"en": "Corridors", "ja": "落下区域"},
    "event.source": {"en": "Source text", "ja": "原文"},
    "event.history": {"en": "History", "ja": "履歴"},
    "event.alternates": {"en": "(+{n} alternates)", "ja": "（ほか予備{n}件）"},
    "event.map_title": {"en": "Map of {event}", "ja": "{event}の地図"},
    # region page: the point query (use my location, place search)
    "point.heading": {"en": "Is my place affected?", "ja": "自分の場所は対象？"},
    "point.locate": {"en": "Use my location", "ja": "現在地を使う"},
    "point.locate_note": {
        "en": "Your position is sent only to this server, never elsewhere.",
        "ja": "位置情報はこのサーバーにだけ送られ、ほかには送られません。",
    },
    "point.search_label": {"en": "Place (municipality or region)", "ja": "場所（市町村・地域）"},
    "point.search_button": {"en": "Search", "ja": "検索"},
    "point.searching": {"en": "Searching…", "ja": "検索中…"},
    "point.locating": {"en": "Finding your position…", "ja": "現在地を取得中…"},
    "point.no_geolocation": {
        "en": "This browser cannot give a position.",
        "ja": "このブラウザーでは現在地を取得できません。",
    },
    "point.failed": {"en": "Position unavailable: {reason}", "ja": "現在地を取得できません：{reason}"},
    "point.no_place": {"en": "No place found.", "ja": "見つかりません。"},
    "point.here": {"en": "Your location", "ja": "現在地"},
    "point.at": {"en": "{place}: {verdict}", "ja": "{place}：{verdict}"},
    "point.window": {"en": "Window: {window}", "ja": "時間帯：{window}"},
    "point.region_page": {"en": "Page of {region}", "ja": "{region}のページ"},
    "point.centre_note": {
        "en": "Judged at the centre of the place ({lat}, {lon}).",
        "ja": "場所の中心（{lat}, {lon}）で判定しています。",
    },
    # operator pages (operator.html, preview.html, cancel.html, approvals.html, login.html and their parts)
    "op.heading": {"en": "Create or update an event", "ja": "事象の作成・更新"},
    "op.pending": {"en": "Awaiting a second operator ({count})", "ja": "別のオペレーターの承認待ち（{count}件）"},
    "op.pending_note": {
        "en": "These requests wait for approval by a different token:",
        "ja": "これらの要求は、別のトークンによる承認を待っています：",
    },
    "op.review_approve": {"en": "review and approve", "ja": "確認して承認"},
    "op.asked_by": {"en": "asked by {name}", "ja": "依頼者：{name}"},
    "op.asked_by_at": {"en": "asked by {name} at {time}", "ja": "依頼者：{name}（{time}）"},
    "op.review": {"en": "review", "ja": "確認"},
    "op.template_label": {"en": "Start from a template", "ja": "ひな形から始める"},
    "op.template_button": {"en": "Use template", "ja": "ひな形を使う"},
    "op.event": {"en": "Event", "ja": "事象"},
    "op.name": {"en": "Name", "ja": "名称"},
    "op.id_placeholder": {"en": "from the name", "ja": "名称から作成"},
    "op.update_existing": {"en": "update the existing event", "ja": "既存の事象を更新する"},
    "op.format": {"en": "Format", "ja": "形式"},
    "op.mode_text": {"en": "Paste a notice", "ja": "通報文を貼り付ける"},
    "op.notice_text": {"en": "Notice text", "ja": "通報文"},
    "op.mode_file": {"en": "Upload a file", "ja": "ファイルをアップロード"},
    "op.file": {"en": "File", "ja": "ファイル"},
    "op.file_kinds": {
        "en": "(text notice, GeoJSON, KML, GeoPackage …)",
        "ja": "（テキストの通報、GeoJSON、KML、GeoPackage など）",
    },
    "op.mode_profile": {"en": "Launch profile", "ja": "打ち上げ諸元"},
    "op.site_lat": {"en": "Site latitude", "ja": "発射地点の緯度"},
    "op.site_lon": {"en": "Site longitude", "ja": "発射地点の経度"},
    "op.azimuth": {"en": "Azimuth °", "ja": "方位角 °"},
    "op.track_km": {"en": "Track length km", "ja": "飛行経路の長さ km"},
    "op.half_width_km": {"en": "Overflight half-width km", "ja": "上空通過区域の片側幅 km"},
    "op.stage1_km": {"en": "Stage 1 downrange km", "ja": "1段目の落下距離 km"},
    "op.stage2_km": {"en": "Stage 2 downrange km", "ja": "2段目の落下距離 km"},
    "op.window_start": {"en": "Window start (UTC)", "ja": "時間帯の開始（UTC）"},
    "op.window_end": {"en": "Window end (UTC)", "ja": "時間帯の終了（UTC）"},
    "op.mode_draw": {"en": "Draw on the map", "ja": "地図上に描く"},
    "op.draw_note": {
        "en": "(the pasted text, if any, is kept as the source)",
        "ja": "（貼り付けた通報文があれば原文として残ります）",
    },
    "op.preview_button": {"en": "Preview", "ja": "プレビュー"},
    "op.update_notice": {"en": "Update with a new notice", "ja": "新しい通報で更新"},
    "op.correct": {"en": "Correct the corridors on the map", "ja": "地図上で落下区域を修正"},
    "op.cancel_event": {"en": "Cancel this event…", "ja": "この事象を取り消す…"},
    "op.pending_approval": {"en": "Pending approval:", "ja": "承認待ち："},
    "op.log_caption": {"en": "Who wrote each version", "ja": "各版の作成者"},
    "col.operator": {"en": "Operator", "ja": "オペレーター"},
    "op.preview": {"en": "Preview", "ja": "プレビュー"},
    "op.preview_of": {"en": "Preview: {name}", "ja": "プレビュー：{name}"},
    "op.warnings_one": {
        "en": "1 part of the notice not used — read before publishing",
        "ja": "通報の1か所が使われていません — 発表前に確認してください",
    },
    "op.warnings_many": {
        "en": "{n} parts of the notice not used — read before publishing",
        "ja": "通報の{n}か所が使われていません — 発表前に確認してください",
    },
    "op.warnings_note": {
        "en": "These look like coordinates or times but no corridor uses them. Check them against the map; "
        "correct the corridors below if an area is missing.",
        "ja": "座標や時刻のように見えますが、どの落下区域にも使われていません。地図と照らし合わせ、"
        "区域が欠けていれば下で落下区域を修正してください。",
    },
    "col.line": {"en": "Line", "ja": "行"},
    "col.column": {"en": "Column", "ja": "列"},
    "col.token": {"en": "Token", "ja": "字句"},
    "col.why": {"en": "Why", "ja": "理由"},
    "col.origin": {"en": "Origin", "ja": "由来"},
    "col.subscription": {"en": "Subscription", "ja": "配信登録"},
    "col.message": {"en": "Message", "ja": "電文"},
    "col.regions": {"en": "Regions", "ja": "地域"},
    "col.channels": {"en": "Channels", "ja": "送信経路"},
    "op.duplicate": {"en": "This notice was already published", "ja": "この通報は発表済みです"},
    "op.duplicate_note": {
        "en": 'To change that event, tick "update the existing event" with its id instead of publishing a second one.',
        "ja": "その事象を変更するには、二重に発表せず、そのIDを入れて「既存の事象を更新する」にチェックしてください。",
    },
    "op.read_as": {"en": "read as {format}", "ja": "{format}として読み取り"},
    "op.preview_meta": {
        "en": "{corridors} corridors · {zones} alert zones · window {window}",
        "ja": "落下区域{corridors}件 · 警戒区域{zones}件 · 時間帯 {window}",
    },
    "op.exists_update": {
        "en": "an event with this id exists: publishing writes a new version",
        "ja": "このIDの事象は既にあります：発表すると新しい版になります",
    },
    "op.exists_tick": {
        "en": 'an event with this id exists: tick "update" to replace it',
        "ja": "このIDの事象は既にあります：置き換えるには「更新」にチェックしてください",
    },
    "op.preview_map": {"en": "Preview map", "ja": "プレビュー地図"},
    "op.ack": {"en": "I have read the warnings above and publish anyway", "ja": "上記の警告を確認したうえで発表します"},
    "op.two_person_publish": {
        "en": "Two-person rule: publishing stores a request; a second operator (another token) must approve it.",
        "ja": "二者承認：発表は要求として保存され、別のオペレーター（別のトークン）の承認が必要です。",
    },
    "op.request_publish": {"en": "Request publication", "ja": "発表を要求"},
    "op.publish": {"en": "Publish", "ja": "発表"},
    "op.back": {"en": "Back", "ja": "戻る"},
    "op.preview_corrected": {"en": "Preview the corrected corridors", "ja": "修正した落下区域をプレビュー"},
    "op.recipients": {"en": "What will be sent to whom", "ja": "送信先と送信内容"},
    "op.no_recipients": {
        "en": "No subscription would receive a message.",
        "ja": "電文を受け取る配信登録はありません。",
    },
    "op.cancel_title": {"en": "Cancel {name}", "ja": "{name}の取消"},
    "op.cancel_question": {"en": "Cancel {name}?", "ja": "{name}を取り消しますか？"},
    "op.cancel_meta": {
        "en": "version {version} · window {window} · {zones} alert zones",
        "ja": "第{version}版 · 時間帯 {window} · 警戒区域{zones}件",
    },
    "op.already_cancelled": {"en": "This event is already cancelled.", "ja": "この事象は既に取り消されています。"},
    "op.cancel_explain": {
        "en": "Cancelling writes a new version with status cancelled (its zones stay for the record) and sends "
        "a CAP Cancel to every subscription that was alerted.",
        "ja": "取り消すと、状態が「取消」の新しい版を作成し（区域は記録として残ります）、"
        "警報を受けたすべての配信登録にCAPの取消電文（Cancel）を送ります。",
    },
    "op.two_person_cancel": {
        "en": "Two-person rule: this stores a request; a second operator (another token) must approve it.",
        "ja": "二者承認：これは要求として保存され、別のオペレーター（別のトークン）の承認が必要です。",
    },
    "op.request_cancel": {"en": "Request the cancellation", "ja": "取消を要求"},
    "op.confirm_cancel": {"en": "Cancel the event and send the messages", "ja": "事象を取り消して電文を送信"},
    "op.back_unchanged": {"en": "Back, change nothing", "ja": "変更せずに戻る"},
    "op.approvals": {"en": "Approvals", "ja": "承認"},
    "op.approvals_heading": {"en": "Requests awaiting a second operator", "ja": "別のオペレーターの承認待ちの要求"},
    "op.approvals_note": {
        "en": "Two-person rule ({setting}): a request is carried out when an operator logged in with a "
        "different token approves it.",
        "ja": "二者承認（{setting}）：別のトークンでログインしたオペレーターが承認すると、要求が実行されます。",
    },
    "op.event_ref": {"en": "event {id}", "ja": "事象 {id}"},
    "action.publish": {"en": "publish", "ja": "発表"},
    "action.update": {"en": "update", "ja": "更新"},
    "action.cancel": {"en": "cancel", "ja": "取消"},
    "op.warnings_count": {"en": "{n} part(s) of the notice not used:", "ja": "通報の{n}か所が使われていません："},
    "op.line_column": {"en": "line {line}, column {column}:", "ja": "{line}行{column}列："},
    "op.mine": {
        "en": "Your request: another operator (a different token) must approve it.",
        "ja": "あなたの要求です：別のオペレーター（別のトークン）の承認が必要です。",
    },
    "op.approve": {"en": "Approve and carry out", "ja": "承認して実行"},
    "op.reject": {"en": "Reject", "ja": "却下"},
    "op.nothing_waiting": {"en": "Nothing is waiting.", "ja": "承認待ちはありません。"},
    "op.login": {"en": "Operator login", "ja": "オペレーターのログイン"},
    "op.login_note": {"en": "Enter an API token ({command}).", "ja": "APIトークンを入力してください（{command}）。"},
    "op.token": {"en": "Token", "ja": "トークン"},
    "op.login_button": {"en": "Log in", "ja": "ログイン"},
    "op.token_revoked": {
        "en": "the token of this session was revoked; log in again",
        "ja": "このセッションのトークンは失効しました。もう一度ログインしてください",
    },
    "op.token_unknown": {"en": "unknown or revoked token", "ja": "不明または失効したトークンです"},
    "op.draw_map": {
        "en": "Map for drawing corridors: polygon, rectangle, circle or line",
        "ja": "落下区域を描く地図：多角形・長方形・円・線",
    },
    "op.draw_help": {
        "en": "Draw with the toolbar (polygon, rectangle, circle, line), drag vertices to correct them, or edit "
        "the text: one {vertex} line per vertex (decimal degrees), a blank line between shapes; a first line "
        "{circle} or {line} makes a circle or a swath (metres, built geodesically on the server).",
        "ja": "ツールバー（多角形・長方形・円・線）で描き、頂点をドラッグして修正するか、テキストを編集します。"
        "頂点ごとに {vertex} を1行（10進の度）、図形の間は空行です。1行目を {circle} または {line} にすると"
        "円または帯状の区域になります（メートル単位、サーバーで測地的に作成）。",
    },
    "op.draw_shapes": {"en": "{n} shape(s)", "ja": "図形{n}個"},
    "op.draw_needs_size": {
        "en": "'{kind}' needs its size in metres",
        "ja": "「{kind}」には大きさ（メートル）が必要です",
    },
    "op.draw_expected": {"en": "expected 'lat lon', got '{line}'", "ja": "「lat lon」の形式ではありません：「{line}」"},
    "op.line_width": {"en": "Total width of new lines (m)", "ja": "新しい線の全幅（m）"},
    "op.vertices": {"en": "Vertices", "ja": "頂点"},
    "op.new_window": {
        "en": "Window of new shapes (UTC; corrected ones keep the notice's)",
        "ja": "新しい図形の時間帯（UTC。修正した図形は通報の時間帯のまま）",
    },
    "op.start": {"en": "Start", "ja": "開始"},
    "op.end": {"en": "End", "ja": "終了"},
    "origin.parsed": {"en": "parsed", "ja": "通報から読み取り"},
    "origin.drawn": {"en": "drawn", "ja": "手描き"},
    "origin.corrected": {"en": "corrected", "ja": "修正済み"},
    "template.navarea": {"en": "NAVAREA / HYDROPAC warning", "ja": "NAVAREA・HYDROPAC 航行警報"},
    "template.notam": {"en": "ICAO NOTAM (danger area)", "ja": "ICAO ノータム（危険区域）"},
    "template.china-msa": {"en": "China MSA navigational warning (航行警告)", "ja": "中国海事局の航行警告"},
    "template.profile": {"en": "Launch profile (site, azimuth, stages)", "ja": "打ち上げ諸元（発射地点・方位角・段）"},
    # problem+json titles of the public pages' errors (by problem code; the details are "error.*")
    "problem.bad-request": {"en": "Bad request", "ja": "不正なリクエスト"},
    "problem.parse-error": {"en": "Input could not be parsed", "ja": "入力を読み取れません"},
    "problem.invalid-parameter": {"en": "Invalid parameter", "ja": "パラメータが不正です"},
    "problem.invalid-geometry": {"en": "Invalid geometry", "ja": "図形が不正です"},
    "problem.unauthorized": {"en": "Authentication required", "ja": "認証が必要です"},
    "problem.forbidden": {"en": "Forbidden", "ja": "アクセスできません"},
    "problem.not-found": {"en": "Not found", "ja": "見つかりません"},
    "problem.method-not-allowed": {"en": "Method not allowed", "ja": "このメソッドは使えません"},
    "problem.conflict": {"en": "Conflict", "ja": "競合しています"},
    "problem.payload-too-large": {"en": "Payload too large", "ja": "データが大きすぎます"},
    "problem.store-unavailable": {"en": "Store unavailable", "ja": "データベースを利用できません"},
    "problem.retry-later": {"en": "Try again later", "ja": "しばらくしてから再度お試しください"},
    "problem.not-rendered": {"en": "File not rendered yet", "ja": "ファイルはまだ作成されていません"},
    "problem.busy": {"en": "Busy", "ja": "混雑しています"},
    # problem+json details of the public pages, feeds and files (GeowarnError.of); {…} values quote the input
    "error.no_event": {"en": "no event {id}", "ja": "事象 {id} はありません"},
    "error.no_version": {"en": "event {id} has no version {version}", "ja": "事象 {id} に第{version}版はありません"},
    "error.no_region": {"en": "no region {id} in any layer", "ja": "地域 {id} はどのレイヤーにもありません"},
    "error.no_place": {"en": "no place {id}", "ja": "場所 {id} はありません"},
    "error.no_published": {
        "en": "event {id} has no published {kind}",
        "ja": "事象 {id} には公開された {kind} がありません",
    },
    "error.not_rendered": {
        "en": "the {kind} of {id} v{version} is not rendered yet ({error}); it is retried",
        "ja": "{id} 第{version}版の {kind} はまだ作成されていません（{error}）。自動的に再試行します",
    },
    "error.unknown_query": {
        "en": "unknown query parameter(s): {names} (allowed: {allowed})",
        "ja": "不明なクエリパラメータ：{names}（使えるもの：{allowed}）",
    },
    "error.not_a_number": {"en": "{name}: {value} is not a number", "ja": "{name}：{value} は数値ではありません"},
    "error.out_of_range": {
        "en": "{name}: {value} is outside -{bound}..{bound}",
        "ja": "{name}：{value} は -{bound}〜{bound} の範囲外です",
    },
    "error.point_or_place": {
        "en": "give either lat and lon, or place",
        "ja": "lat と lon、または place のどちらかを指定してください",
    },
    "error.point_needed": {
        "en": "give lat and lon (degrees, WGS 84), or place",
        "ja": "lat と lon（度、WGS 84）、または place を指定してください",
    },
    "error.f_value": {"en": "f must be json or html, got {value}", "ja": "f は json か html です（指定：{value}）"},
    "error.lang_value": {
        "en": "lang must be one of {languages}, got {value}",
        "ja": "lang は {languages} のいずれかです（指定：{value}）",
    },
    "error.now_value": {
        "en": "now must be an ISO 8601 time, got {value}",
        "ja": "now は ISO 8601 の時刻です（指定：{value}）",
    },
    "error.topic_value": {
        "en": "topic: expected '*', 'event:<event id>' or 'region:<region id>', got {value}",
        "ja": "topic は '*'、'event:<事象ID>' または 'region:<地域ID>' です（指定：{value}）",
    },
    "error.http_404": {
        "en": "The requested URL was not found on the server. If you entered the URL manually please check your "
        "spelling and try again.",
        "ja": "要求されたURLはこのサーバーにありません。"
        "URLを手入力した場合は、つづりを確かめてもう一度お試しください。",
    },
    "error.http_405": {
        "en": "The method is not allowed for the requested URL.",
        "ja": "要求されたURLでは、このメソッドは使えません。",
    },
    # parser warning reasons (geowarn.sources: ParseWarning.of, warning_reason): "line 3, column 7: 'N895' <reason>"
    "warning.inside_not_corner": {
        "en": "lies inside {corridor} but is none of its corners; not read",
        "ja": "{corridor}の内側にありますが、その頂点ではありません。読み取っていません",
    },
    "warning.not_in_corridor": {"en": "is not part of any corridor", "ja": "どの落下区域にも使われていません"},
    "warning.weak_coordinate": {
        "en": "looks like a route or label, not a coordinate; not read",
        "ja": "座標ではなく航空路や名称のようです。読み取っていません",
    },
    "warning.lone_latitude": {
        "en": "is a latitude without a longitude after it; not read",
        "ja": "緯度の後に経度がありません。読み取っていません",
    },
    "warning.lone_longitude": {
        "en": "is a longitude without a latitude; not read",
        "ja": "経度に対応する緯度がありません。読み取っていません",
    },
    "warning.time_no_window": {
        "en": "looks like a time but starts or ends no window",
        "ja": "時刻のようですが、どの時間帯の開始・終了でもありません",
    },
    "warning.dtg_repaired": {
        "en": "has a digit missing: read as {fixed}Z, the only time before {to}Z; check it",
        "ja": "数字が1つ欠けています：{to}Zより前の唯一の時刻として{fixed}Zと読みました。確認してください",
    },
    "warning.dtg_garbled": {
        "en": "looks like a date-time group with a digit missing or extra; not read",
        "ja": "数字が欠けているか多い日時グループのようです。読み取っていません",
    },
    "warning.range_no_window": {
        "en": "looks like a time range but starts or ends no window",
        "ja": "時刻の範囲のようですが、どの時間帯の開始・終了でもありません",
    },
    "warning.sun_time": {
        "en": "is a time of day no window can give (read as whole days, if at all)",
        "ja": "時間帯にできない時刻です（読み取る場合は終日として読みます）",
    },
    "warning.clock_no_window": {
        "en": "looks like a time of day but starts or ends no window",
        "ja": "時刻のようですが、どの時間帯の開始・終了でもありません",
    },
    "warning.date_no_window": {
        "en": "looks like a date or time but starts or ends no window",
        "ja": "日付または時刻のようですが、どの時間帯の開始・終了でもありません",
    },
    "warning.no_position": {
        "en": "an item without any position; no corridor from it",
        "ja": "位置のない項目です。落下区域は作成していません",
    },
    "warning.reserve_days": {
        "en": "reserve days, not read as windows",
        "ja": "予備日です。時間帯としては読んでいません",
    },
    "warning.bracket_not_understood": {"en": "not understood; not read", "ja": "理解できません。読み取っていません"},
    "warning.end_without_start": {
        "en": "an end without a start (…まで): read as that day only; the work may already be under way",
        "ja": "開始のない終了（…まで）です。その日のみとして読みました。作業は既に始まっているかもしれません",
    },
    "warning.sunrise_whole_day": {
        "en": "sunrise to sunset, read as the whole day",
        "ja": "日出から日没まで：終日として読みました",
    },
    "warning.circle_part_east": {
        "en": "a part of a circle: read as the circle's part east of {cut}; check it on the map",
        "ja": "円の一部：{cut}以東の部分として読みました。地図で確認してください",
    },
    "warning.circle_part_west": {
        "en": "a part of a circle: read as the circle's part west of {cut}; check it on the map",
        "ja": "円の一部：{cut}以西の部分として読みました。地図で確認してください",
    },
    "warning.circle_part_north": {
        "en": "a part of a circle: read as the circle's part north of {cut}; check it on the map",
        "ja": "円の一部：{cut}以北の部分として読みました。地図で確認してください",
    },
    "warning.circle_part_south": {
        "en": "a part of a circle: read as the circle's part south of {cut}; check it on the map",
        "ja": "円の一部：{cut}以南の部分として読みました。地図で確認してください",
    },
    "warning.coast_closed": {
        "en": "closed along the coast of the shipped land layer from ({last}) to (1) (its shore corners {d1} m "
        "and {d2} m from that coast; {area} km², the straight line would give {chord} km²); check it on the map",
        "ja": "同梱の陸地レイヤーの海岸線に沿って({last})から(1)まで閉じました（岸の頂点は海岸線から{d1} mと"
        "{d2} m、{area} km²。直線で閉じると{chord} km²）。地図で確認してください",
    },
    "warning.parser_failed": {
        "en": "the parser could not read the text ({detail}); the corridors are the drawn ones",
        "ja": "通報文を読み取れませんでした（{detail}）。落下区域は作図したものです",
    },
    "warning.request_unreadable": {
        "en": "the request no longer reads: {detail}",
        "ja": "この要求はもう読み取れません：{detail}",
    },
    # error page (error.html) and the event page's render-failure box
    "page.back_dashboard": {"en": "Back to the dashboard", "ja": "ダッシュボードに戻る"},
    "event.render_failed": {
        "en": "Some published files of version {version} could not be rendered yet; the warning itself is saved "
        "and its alerts are sent. They are retried automatically:",
        "ja": "第{version}版の公開ファイルの一部はまだ作成できていません。警報そのものは保存され、通知も送信済みです。"
        "自動的に再試行します：",
    },
    "event.attempt": {"en": "(attempt {n})", "ja": "（{n}回目）"},
    # API pages (ogc.html)
    "ogc.links": {"en": "Links", "ja": "リンク"},
    "ogc.properties": {"en": "properties", "ja": "属性"},
    "ogc.collections": {"en": "Collections", "ja": "コレクション"},
    "ogc.features": {"en": "{returned} of {matched} features.", "ja": "{matched}件中{returned}件の地物。"},
    # the published map (geowarn.publish.maps): popups, tooltips, legend, layer names
    "map.region": {"en": "Region", "ja": "地域"},
    "map.severity": {"en": "Severity", "ja": "深刻度"},
    "map.urgency": {"en": "Urgency", "ja": "緊急度"},
    "map.certainty": {"en": "Certainty", "ja": "確実度"},
    "map.response": {"en": "Response", "ja": "対応"},
    "map.phase": {"en": "Phase", "ja": "段階"},
    "map.area": {"en": "Area", "ja": "面積"},
    "map.distance": {"en": "Distance", "ja": "距離"},
    "map.window": {"en": "Window ({tz})", "ja": "時間帯（{tz}）"},
    "map.corridor": {"en": "Corridor", "ja": "落下区域"},
    "map.source": {"en": "Source", "ja": "出典"},
    "map.probability": {"en": "Probability", "ja": "確率"},
    "map.id": {"en": "Id", "ja": "ID"},
    "map.not_given": {"en": "not given", "ja": "記載なし"},
    "map.alternates": {"en": "(+{n} alternates)", "ja": "（ほか予備{n}件）"},
    "map.legend_zones": {"en": "Alert zones (CAP severity)", "ja": "警戒区域（CAPの深刻度）"},
    "map.legend_corridors": {"en": "Corridors (phase)", "ja": "落下区域（段階）"},
    "map.layers_sources": {"en": "Layers and sources", "ja": "レイヤーと出典"},
    "map.sources": {"en": "Sources: {sources}", "ja": "出典：{sources}"},
    "map.only_hit": {
        "en": "{layer}: only the regions hit (layer hidden at first).",
        "ja": "{layer}：該当する地域のみ（最初は非表示）。",
    },
    "map.no_base": {"en": "No base map: sea colour only.", "ja": "背景地図なし：海の色のみ。"},
    "map.within": {
        "en": "Within {km} km (no overlap): {name} — {severity}",
        "ja": "{km} km以内（重なりなし）：{name} — {severity}",
    },
    "map.more_regions": {
        "en": "… and {n} more regions within the margin",
        "ja": "… ほか{n}地域が余裕幅の内側にあります",
    },
    "map.layer_corridors": {"en": "Corridors", "ja": "落下区域"},
    "map.layer_zones": {"en": "Alert zones", "ja": "警戒区域"},
    "map.layer_base": {"en": "Offline base map", "ja": "オフライン背景地図"},
    "map.layer_tiles": {"en": "Tiles", "ja": "タイル地図"},
    "map.layer_region": {"en": "This region", "ja": "この地域"},
    # Atom feed (alerts.atom)
    "atom.title": {"en": "geowarn alerts: current warnings", "ja": "geowarn 警報：現在の警報"},
    "atom.event_title": {"en": "geowarn alerts: {name}", "ja": "geowarn 警報：{name}"},
    "atom.prefixed": {"en": "{kind}: {text}", "ja": "{kind}：{text}"},
    "atom.separator": {"en": " · ", "ja": "・"},
    # CAP msgType and status values as a feed reader sees them
    "atom.msgtype.Alert": {"en": "Alert", "ja": "発表"},
    "atom.msgtype.Update": {"en": "Update", "ja": "更新"},
    "atom.msgtype.Cancel": {"en": "Cancel", "ja": "取消"},
    "atom.msgtype.Ack": {"en": "Acknowledgement", "ja": "受領"},
    "atom.msgtype.Error": {"en": "Error", "ja": "誤り"},
    "atom.status.Actual": {"en": "Actual", "ja": "実運用"},
    "atom.status.Exercise": {"en": "Exercise", "ja": "訓練"},
    "atom.status.System": {"en": "System", "ja": "システム"},
    "atom.status.Test": {"en": "Test", "ja": "試験"},
    "atom.status.Draft": {"en": "Draft", "ja": "草案"},
    # KML balloons (geowarn.publish.kml; the rest are the map's "map.*" texts)
    "kml.separator": {"en": "; ", "ja": "、"},
    # CAP <info> texts (geowarn.publish.cap), one per CAP_LANGUAGES language; severities are "severity.*"
    "cap.event.launch": {"en": "Falling rocket stages or debris", "ja": "ロケットの落下物"},
    "cap.event.reentry": {"en": "Space debris re-entry", "ja": "宇宙物体の再突入"},
    "cap.event.other": {"en": "Falling objects from space", "ja": "宇宙からの落下物"},
    "cap.headline": {
        "en": "{name}: falling objects possible over {regions}",
        "ja": "{name}：落下物のおそれ（{regions}）",
    },
    "cap.headline_cancel": {"en": "Cancelled: {name}", "ja": "取消：{name}"},
    "cap.holes": {
        "en": "Holes in {n} area polygon(s) were dropped (CAP polygons cannot have holes); "
        "the areas shown are slightly larger than the alert zones.",
        "ja": "CAPの多角形は穴を表せないため、{n}個の区域多角形の穴を省略しました"
        "（表示区域は警報区域よりやや広くなります）。",
    },
    "cap.region_separator": {"en": ", ", "ja": "、"},
    "cap.region_line": {
        "en": "{name} [{id}] {severity}; Window {window}; {extent}",
        "ja": "{name} [{id}] {severity}; 期間 {window}; {extent}",
    },
    "cap.no_window": {"en": "—", "ja": "—"},
    "cap.area": {"en": "area {km2} km²", "ja": "面積 {km2} km²"},
    "cap.alternates": {"en": " (+{n} alternate windows)", "ja": "（ほか予備期間{n}回）"},
    "cap.within": {"en": "within {km} km of the corridor", "ja": "落下予想区域から{km} km以内"},
    "cap.area_desc": {"en": "{name} ({id})", "ja": "{name} ({id})"},
    "cap.instruction.Shelter": {
        "en": "Stay indoors or take shelter in a sturdy building during the window.",
        "ja": "期間中は屋内や頑丈な建物に避難してください。",
    },
    "cap.instruction.Evacuate": {
        "en": "Leave the area before the window opens.",
        "ja": "期間の開始前に区域から離れてください。",
    },
    "cap.instruction.Avoid": {
        "en": "Ships and aircraft should stay clear of the area during the window.",
        "ja": "期間中、船舶・航空機は区域に近づかないでください。",
    },
    "cap.instruction.Prepare": {
        "en": "Be ready to take shelter during the window.",
        "ja": "期間中はすぐに避難できるよう準備してください。",
    },
    "cap.instruction.Monitor": {
        "en": "Stay informed through official channels.",
        "ja": "公式の情報に注意してください。",
    },
    "cap.instruction.Execute": {
        "en": "Follow the instructions of the authorities.",
        "ja": "当局の指示に従ってください。",
    },
    "cap.instruction.Assess": {
        "en": "Assess the situation and follow official advice.",
        "ja": "状況を確認し、公式の情報に従ってください。",
    },
    "cap.instruction.AllClear": {
        "en": "The earlier alert is cancelled; no action is needed.",
        "ja": "先の警報は取り消されました。対応は不要です。",
    },
    "cap.instruction.None": {"en": "No action is needed.", "ja": "対応は不要です。"},
    "cap.instruction.debris": {
        "en": "Do not touch fallen objects; report them to the police or the coast guard.",
        "ja": "落下物を見つけても触らず、警察または海上保安庁に通報してください。",
    },
}

#: Country prefix of a region id → the language its readers are assumed to read first.
REGION_LANGUAGES: dict[str, str] = {"JP": "ja", "JPN": "ja"}


def normalise_language(value: str | None) -> str | None:
    """``ja-JP`` → ``ja``; ``None`` for a language the catalogue does not have.

    >>> normalise_language("ja-JP"), normalise_language("EN"), normalise_language("ko")
    ('ja', 'en', None)
    """
    if not value:
        return None
    base = value.strip().split("-")[0].split("_")[0].lower()
    return base if base in LANGUAGES else None


def message(msgid: str, lang: str, /, **values: object) -> str:
    """Return the text of ``msgid`` in ``lang`` (falling back to English) with ``values`` filled in.

    Raises ``KeyError`` for an unknown message id (a programming error, not a reader's).
    """
    texts = CATALOGUE[msgid]
    text = texts.get(normalise_language(lang) or DEFAULT_LANGUAGE) or texts[DEFAULT_LANGUAGE]
    return text.format(**values) if values else text


def label(prefix: str, value: object, lang: str) -> str:
    """Return the catalogue's text for an enum or code value (``severity.Extreme``), else the value itself.

    >>> label("severity", "Extreme", "ja"), label("lifecycle", "replaced", "ja")
    ('極めて重大', 'replaced')
    """
    key = f"{prefix}.{value}"
    return message(key, lang) if key in CATALOGUE else str(value)


def zone_label(tz: str, lang: str, fallback: str) -> str:
    """Return the reader's name of the time zone ``tz`` (``JST`` / ``日本時間``); ``fallback`` when unknown.

    >>> zone_label("Asia/Tokyo", "ja", "JST"), zone_label("Europe/Paris", "ja", "CET")
    ('日本時間', 'CET')
    """
    if f"zone.{tz}" not in CATALOGUE:
        return fallback
    return message(f"zone.{tz}", lang)


def with_zone(time: str, tz: str, lang: str, fallback: str) -> str:
    """``07:00 JST`` / ``07:00（日本時間）``.

    >>> with_zone("07:00", "Asia/Tokyo", "en", "JST"), with_zone("07:00", "Asia/Tokyo", "ja", "JST")
    ('07:00 JST', '07:00（日本時間）')
    """
    return message("time.with_zone", lang, time=time, zone=zone_label(tz, lang, fallback))


def _accept_language(header: str) -> list[str]:
    """Language tags of an ``Accept-Language`` header, best first (``q=0`` dropped)."""
    ranked: list[tuple[float, int, str]] = []
    for i, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        if tag and q > 0:
            ranked.append((-q, i, tag.strip()))
    return [tag for _, _, tag in sorted(ranked)]


def asked_language(query: str | None, accept_language: str | None) -> str | None:
    """Return the language the reader asked for (``?lang=``, then ``Accept-Language``); ``None`` when neither names one.

    >>> asked_language(None, "ko, ja;q=0.5"), asked_language(None, "fr"), asked_language("en", "ja")
    ('ja', None, 'en')
    """
    chosen = normalise_language(query)
    if chosen:
        return chosen
    for tag in _accept_language(accept_language or ""):
        chosen = normalise_language(tag)
        if chosen:
            return chosen
    return None


def pick_language(query: str | None, accept_language: str | None, region_id: str | None = None) -> str:
    """Pick the page language: ``?lang=``, then ``Accept-Language``, then the region's, then English."""
    chosen = asked_language(query, accept_language)
    if chosen:
        return chosen
    if region_id:
        parts = region_id.split("-")
        if parts[0] in ("TS", "EEZ") and len(parts) > 1:
            parts = parts[1:]
        lang = REGION_LANGUAGES.get(parts[0].upper())
        if lang:
            return lang
    return DEFAULT_LANGUAGE
