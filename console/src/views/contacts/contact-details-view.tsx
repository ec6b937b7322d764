import { api, ok, type Schemas } from '../../api/client';
import { Link } from '../../components/link';
import { Empty, ErrorBox, Loading } from '../../components/states';
import { useLoad } from '../../components/use-load';
import { formatDate, t } from '../../i18n';
import { ContactCalls } from '../contact-calls/contact-calls';
import { CallBlock } from './call-block';

function loadContact(id: string) {
  return api.GET('/v1/contacts/{id}', { params: { path: { id } } }).then(ok);
}

export function ContactDetailsView({ id }: { id: string }) {
  const [result, reload] = useLoad(() => loadContact(id), [id]);
  return (
    <section aria-labelledby="view-title">
      <p>
        <Link to="/contacts">← {t('contact.back')}</Link>
      </p>
      {result.state === 'loading' && <Loading />}
      {result.state === 'error' && <ErrorBox error={result.error} onRetry={reload} />}
      {result.state === 'ready' && <ContactDetails contact={result.data} />}
    </section>
  );
}

function ContactDetails({ contact }: { contact: Schemas['ContactView'] }) {
  const none = t('contact.none');
  const attributes = Object.entries(contact.attributes);
  return (
    <>
      <h1 id="view-title" tabIndex={-1}>
        {contact.name ?? t('contacts.unnamed')}
      </h1>
      <div class="cards">
        <section class="card" aria-labelledby="identities-title">
          <h2 id="identities-title">{t('contact.identities')}</h2>
          <ul>
            {contact.identities.map((identity) => (
              <li key={`${identity.type}:${identity.value}`}>
                <span class="muted">{identity.type}</span> {identity.value}
              </li>
            ))}
          </ul>
        </section>
        <section class="card" aria-labelledby="details-title">
          <h2 id="details-title">{t('contact.details')}</h2>
          <dl>
            <dt>{t('contact.status')}</dt>
            <dd>{contact.status ?? none}</dd>
            <dt>{t('contact.tags')}</dt>
            <dd>{contact.tags.length > 0 ? contact.tags.join(', ') : none}</dd>
            <dt>{t('contact.order')}</dt>
            <dd>{contact.order_number ?? none}</dd>
            <dt>{t('contact.quote')}</dt>
            <dd>{contact.quote_value === null ? none : `${contact.quote_value} (${contact.quote_status ?? none})`}</dd>
            <dt>{t('contact.updated')}</dt>
            <dd>{formatDate(contact.updated_at)}</dd>
          </dl>
        </section>
        <section class="card" aria-labelledby="attributes-title">
          <h2 id="attributes-title">{t('contact.attributes')}</h2>
          {attributes.length === 0 ? (
            <Empty>{t('contact.noAttributes')}</Empty>
          ) : (
            <dl>
              {attributes.map(([key, value]) => (
                <div key={key}>
                  <dt>{key}</dt>
                  <dd>{value === null ? none : Array.isArray(value) ? value.join(', ') : String(value)}</dd>
                </div>
              ))}
            </dl>
          )}
        </section>
        <ContactCalls contactId={contact.id} />
        <CallBlock contactId={contact.id} />
      </div>
    </>
  );
}
