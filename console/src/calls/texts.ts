/**
 * What the call components say, in Portuguese and English. The console picks one by the agent's
 * language and passes it down as `t`; the components never choose a language themselves.
 */
export interface CallTexts {
  incomingCall: string;
  incomingFrom(contact: string): string;
  accept: string;
  decline: string;
  accepting: string;
  inCallWith(contact: string): string;
  mute: string;
  unmute: string;
  microphoneMuted: string;
  hangUp: string;
  participants: string;
  noParticipants: string;
  volumeOf(name: string): string;
  voiceLevelOf(name: string): string;
  speaking: string;
  inviteColleague: string;
  invite: string;
  invited: string;
  loadingColleagues: string;
  noColleagues: string;
  specialist: string;
  online: string;
  offline: string;
  invitedToCall: string;
  invitedBy(colleague: string, contact: string): string;
  join: string;
  ongoingCalls: string;
  noOngoingCalls: string;
  loadingCalls: string;
  openCall(contact: string): string;
  withAgents(names: string[]): string;
  roles: Record<'agent' | 'customer' | 'other', string>;
}

const list = (names: string[], and: string) =>
  names.length <= 1 ? names.join('') : `${names.slice(0, -1).join(', ')} ${and} ${names[names.length - 1]}`;

export const en: CallTexts = {
  incomingCall: 'Incoming call',
  incomingFrom: (contact) => `${contact} is calling`,
  accept: 'Accept',
  decline: 'Decline',
  accepting: 'Connecting…',
  inCallWith: (contact) => `On a call with ${contact}`,
  mute: 'Mute',
  unmute: 'Unmute',
  microphoneMuted: 'Your microphone is muted',
  hangUp: 'Hang up',
  participants: 'On the call',
  noParticipants: 'Waiting for the others to join…',
  volumeOf: (name) => `Volume of ${name}`,
  voiceLevelOf: (name) => `Voice level of ${name}`,
  speaking: 'speaking',
  inviteColleague: 'Invite a colleague',
  invite: 'Invite',
  invited: 'Invited',
  loadingColleagues: 'Loading colleagues…',
  noColleagues: 'No colleague to invite',
  specialist: 'knows this customer',
  online: 'online',
  offline: 'offline',
  invitedToCall: 'Invitation to a call',
  invitedBy: (colleague, contact) => `${colleague} invites you to the call with ${contact}`,
  join: 'Join',
  ongoingCalls: 'Ongoing calls',
  noOngoingCalls: 'No call under way',
  loadingCalls: 'Loading calls…',
  openCall: (contact) => `Open the call with ${contact}`,
  withAgents: (names) => (names.length ? `with ${list(names, 'and')}` : 'no agent yet'),
  roles: { agent: 'agent', customer: 'customer', other: 'participant' },
};

export const pt: CallTexts = {
  incomingCall: 'Chamada recebida',
  incomingFrom: (contact) => `${contact} está ligando`,
  accept: 'Atender',
  decline: 'Recusar',
  accepting: 'Conectando…',
  inCallWith: (contact) => `Em chamada com ${contact}`,
  mute: 'Silenciar',
  unmute: 'Ativar microfone',
  microphoneMuted: 'Seu microfone está silenciado',
  hangUp: 'Desligar',
  participants: 'Na chamada',
  noParticipants: 'Aguardando os demais entrarem…',
  volumeOf: (name) => `Volume de ${name}`,
  voiceLevelOf: (name) => `Nível da voz de ${name}`,
  speaking: 'falando',
  inviteColleague: 'Convidar um colega',
  invite: 'Convidar',
  invited: 'Convidado',
  loadingColleagues: 'Carregando colegas…',
  noColleagues: 'Nenhum colega para convidar',
  specialist: 'conhece este cliente',
  online: 'online',
  offline: 'offline',
  invitedToCall: 'Convite para uma chamada',
  invitedBy: (colleague, contact) => `${colleague} convida você para a chamada com ${contact}`,
  join: 'Entrar',
  ongoingCalls: 'Chamadas em andamento',
  noOngoingCalls: 'Nenhuma chamada em andamento',
  loadingCalls: 'Carregando chamadas…',
  openCall: (contact) => `Abrir a chamada com ${contact}`,
  withAgents: (names) => (names.length ? `com ${list(names, 'e')}` : 'nenhum atendente ainda'),
  roles: { agent: 'atendente', customer: 'cliente', other: 'participante' },
};

export const callTexts = { en, pt };
