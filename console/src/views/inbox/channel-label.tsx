import { t } from '../../i18n';

/** A glyph per channel, beside its written name: the name is what screen readers say. */
const GLYPH: Record<string, string> = { whatsapp: '✆', email: '✉', telegram: '➤', app: '▣' };
const KNOWN = ['whatsapp', 'email', 'telegram', 'app'] as const;

export function ChannelLabel({ channel }: { channel: string }) {
  const known = KNOWN.find((c) => c === channel);
  return (
    <span class={`channel channel-${known ?? 'other'}`}>
      <span class="channel-icon" aria-hidden="true">
        {GLYPH[channel] ?? '•'}
      </span>
      {known ? t(`channel.${known}`) : channel}
    </span>
  );
}
