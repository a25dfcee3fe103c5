//! The demo's status file: the Kakao services at about 17:00 KST on
//! 15 October 2022, two and a half hours into the Pangyo datacenter fire.
//! Times and statuses follow the sourced timeline in
//! shared/data/kakao_2022_timeline.csv (rows 3-19, 23, 26, 28).

pub const STATUS_TOML: &str = r#"# Bongsu status file: edit it and save; the demo re-signs it within a second.
# (Outside the demo: bongsu sign --key <key> --status <this file> --out <region>/feed.note ...)
#
# feed       the feed identifier the app is configured for
# valid_for  how long each signed feed stays current (s, m, h, d)
# status     operational | under_maintenance | degraded_performance | partial_outage | major_outage
# state      investigating | identified | monitoring | resolved
# at         a date-time with its UTC offset, e.g. 2022-10-15T15:50:00+09:00

feed = "kakao"
valid_for = "1h"

[[services]]
id = "kakaotalk"
name = "KakaoTalk"
[[services.components]]
id = "messaging"
name = "Messaging"
status = "major_outage"
[[services.components]]
id = "media"
name = "Photo & file transfer"
status = "major_outage"
[[services.components]]
id = "pc-login"
name = "PC & web login"
status = "major_outage"

[[services]]
id = "kakao-account"
name = "Kakao Account"
[[services.components]]
id = "login"
name = "Login & authentication"
status = "major_outage"

[[services]]
id = "kakaopay"
name = "Kakao Pay"
[[services.components]]
id = "payments"
name = "Payments & transfers"
status = "major_outage"

[[services]]
id = "kakao-t"
name = "Kakao T"
[[services.components]]
id = "mobility"
name = "Taxi & mobility"
status = "major_outage"

[[services]]
id = "kakao-map"
name = "Kakao Map"
[[services.components]]
id = "map"
name = "Maps, bus & subway"
status = "major_outage"

[[services]]
id = "daum"
name = "Daum"
[[services.components]]
id = "mail"
name = "Mail"
status = "major_outage"
[[services.components]]
id = "cafe"
name = "Cafe"
status = "major_outage"
[[services.components]]
id = "portal"
name = "Portal, news & search"
status = "partial_outage"

[[services]]
id = "kakaobank"
name = "KakaoBank"
[[services.components]]
id = "banking"
name = "Banking app"
status = "degraded_performance"

[[services]]
id = "melon"
name = "Melon"
[[services.components]]
id = "streaming"
name = "Streaming"
status = "major_outage"

[[services]]
id = "kakao-webtoon"
name = "Kakao Webtoon"
[[services.components]]
id = "webtoon"
name = "Webtoon & Kakao Page"
status = "major_outage"

[[incidents]]
id = "2022-10-15-pangyo-datacenter-fire"
title = "Fire at the SK C&C Pangyo datacenter"
impact = "major_outage"
components = [
  "kakaotalk/messaging", "kakaotalk/media", "kakaotalk/pc-login",
  "kakao-account/login", "kakaopay/payments", "kakao-t/mobility",
  "kakao-map/map", "daum/mail", "daum/cafe", "daum/portal",
  "kakaobank/banking", "melon/streaming", "kakao-webtoon/webtoon",
]
[[incidents.updates]]
at = 2022-10-15T15:50:00+09:00
state = "investigating"
message = "Services including KakaoTalk are not working. We are checking urgently."
[[incidents.updates]]
at = 2022-10-15T16:12:00+09:00
state = "identified"
message = "A fire at the SK C&C Pangyo datacenter since about 15:30 has cut power to our servers. KakaoTalk, Kakao Pay, Kakao T, Kakao Map, Daum and other services are affected."
[[incidents.updates]]
at = 2022-10-15T17:00:00+09:00
state = "identified"
message = "KakaoBank has restored its standalone services; features that depend on KakaoTalk remain unavailable."
"#;
