import { useEffect, useState } from 'preact/hooks';
import { liveEvents } from './api/events';
import { CallLayer } from './calls/call-layer';
import { Link } from './components/link';
import { LANGS, setLang, t, useLang, type Lang } from './i18n';
import { usePath } from './router';
import { resolveRoute, ROUTES } from './routes';
import { signOut, useSignedIn } from './session';
import { NotFoundView } from './views/not-found-view';
import { SignInView } from './views/sign-in-view';

export function App() {
  useLang();
  const signedIn = useSignedIn();
  return (
    <>
      <a class="skip" href="#main">
        {t('app.skip')}
      </a>
      <header class="top">
        <span class="brand">{t('app.name')}</span>
        <LanguageSwitch />
        {signedIn && <LiveStatus />}
        {signedIn && (
          <button type="button" onClick={signOut}>
            {t('signout')}
          </button>
        )}
      </header>
      {signedIn ? <Shell /> : <main id="main" tabIndex={-1}><SignInView /></main>}
    </>
  );
}

function Shell() {
  const path = usePath();
  const { route, params } = resolveRoute(path);
  // A new view: focus its heading so keyboard and screen-reader users start there.
  useEffect(() => document.getElementById('view-title')?.focus(), [path]);
  return (
    <div class="shell">
      <nav aria-label={t('nav.label')}>
        <ul>
          {ROUTES.filter((r) => r.nav).map((r) => (
            <li key={r.path}>
              <Link to={r.path} current={route?.section === r.section}>
                {t(r.nav!)}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" tabIndex={-1}>
        {route ? route.view(params) : <NotFoundView />}
      </main>
      {/* Outside the views: a ringing call or the call under way stays while the agent moves around. */}
      {/* The call history shows the ongoing calls itself, above its list: one strip is enough there. */}
      <CallLayer showOngoing={route?.section !== '/calls'} />
    </div>
  );
}

function LanguageSwitch() {
  const current = useLang();
  return (
    <label class="lang">
      {t('lang.label')}{' '}
      <select value={current} onChange={(event) => setLang(event.currentTarget.value as Lang)}>
        {LANGS.map((lang) => (
          <option key={lang} value={lang}>
            {t(`lang.${lang}`)}
          </option>
        ))}
      </select>
    </label>
  );
}

/** Opens the agent's event stream while signed in (the agent is online meanwhile) and shows its state. */
function LiveStatus() {
  const [connected, setConnected] = useState(false);
  useEffect(() => {
    const unsubscribe = liveEvents.onStatus(setConnected);
    liveEvents.start();
    return () => {
      unsubscribe();
      liveEvents.stop();
    };
  }, []);
  return (
    <span class={connected ? 'live live-on' : 'live live-off'} role="status">
      {t(connected ? 'live.on' : 'live.off')}
    </span>
  );
}
