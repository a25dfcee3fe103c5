// Status files the tests publish. Every status level appears, and one
// service is fully operational, so a page that ignored the feed would fail.

export function outage() {
  return {
    feed: 'kakao',
    services: [
      {
        id: 'kakaotalk', name: 'KakaoTalk', components: [
          { id: 'messaging', name: 'Messaging', status: 'major_outage' },
          { id: 'pc-login', name: 'PC login', status: 'partial_outage' },
        ],
      },
      { id: 'kakaobank', name: 'KakaoBank', components: [{ id: 'banking', name: 'Banking app', status: 'degraded_performance' }] },
      { id: 'daum', name: 'Daum', components: [{ id: 'mail', name: 'Mail', status: 'under_maintenance' }] },
      { id: 'melon', name: 'Melon', components: [{ id: 'streaming', name: 'Streaming', status: 'operational' }] },
    ],
    incidents: [
      {
        id: 'dc-fire', title: 'Fire at the datacenter', impact: 'major_outage', components: ['kakaotalk/messaging'],
        updates: [
          { at: '2022-10-15T15:50:00+09:00', state: 'investigating', message: 'Messages fail to send.' },
          { at: '2022-10-15T16:12:00+09:00', state: 'identified', message: 'A fire cut power to the servers.' },
        ],
      },
    ],
  };
}
