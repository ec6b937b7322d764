import { useState } from 'preact/hooks';
import { api, ApiError, ok } from '../api/client';
import { ErrorBox } from '../components/states';
import { t } from '../i18n';
import { signIn } from '../session';

/** Checks the token against the API (GET /v1/agents answers any valid token of the account) before keeping it. */
async function tokenWorks(candidate: string): Promise<boolean> {
  const result = await api.GET('/v1/agents', { headers: { authorization: `Bearer ${candidate}` } });
  if (result.response.status === 401) return false;
  ok(result);
  return true;
}

export function SignInView() {
  const [value, setValue] = useState('');
  const [checking, setChecking] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function submit(event: Event) {
    event.preventDefault();
    setChecking(true);
    setError(null);
    try {
      if (await tokenWorks(value.trim())) signIn(value.trim());
      else setError(new ApiError(401, t('signin.invalid')));
    } catch (err) {
      setError(err);
    } finally {
      setChecking(false);
    }
  }

  return (
    <section class="signin" aria-labelledby="view-title">
      <h1 id="view-title">{t('signin.title')}</h1>
      <p>{t('signin.intro')}</p>
      <form onSubmit={submit}>
        <label for="token">{t('signin.token')}</label>
        <input
          id="token"
          name="token"
          type="password"
          autocomplete="off"
          required
          value={value}
          onInput={(event) => setValue(event.currentTarget.value)}
        />
        <button type="submit" disabled={checking}>
          {checking ? t('signin.checking') : t('signin.submit')}
        </button>
      </form>
      {error !== null && <ErrorBox error={error} />}
    </section>
  );
}
