import { t } from '../i18n';

export function NotFoundView() {
  return (
    <section aria-labelledby="view-title">
      <h1 id="view-title" tabIndex={-1}>
        {t('notfound.title')}
      </h1>
    </section>
  );
}
