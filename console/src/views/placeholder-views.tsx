import { Empty } from '../components/states';
import { t, type MessageKey } from '../i18n';

/** A section other views will fill (inbox, call history, funnels). */
export function SoonView({ title }: { title: MessageKey }) {
  return (
    <section aria-labelledby="view-title">
      <h1 id="view-title" tabIndex={-1}>
        {t(title)}
      </h1>
      <Empty>{t('soon.body')}</Empty>
    </section>
  );
}

export function NotFoundView() {
  return (
    <section aria-labelledby="view-title">
      <h1 id="view-title" tabIndex={-1}>
        {t('notfound.title')}
      </h1>
    </section>
  );
}
