import { useEffect, useState } from 'preact/hooks';
import type { Schemas } from '../../api/client';
import { t } from '../../i18n';
import { fillTemplate, templateComplete } from './template-fill';

type Template = Schemas['TemplateOptionView'];
type Category = NonNullable<Schemas['SendMessageDto']['category']>;

/** What the agent chose: the template, its parameters and the text the customer will read. */
export interface TemplateChoice {
  name: string;
  language: string;
  parameters: string[];
  category: Category | undefined;
  filled: string;
  complete: boolean;
}

const CATEGORIES: Category[] = ['transactional', 'utility', 'marketing', 'service_reply'];

/** Meta's category (UTILITY, MARKETING…) as the cost ledger's; unknown ones leave the API's default. */
function ledgerCategory(metaCategory: string | null): Category | undefined {
  const lower = metaCategory?.toLowerCase();
  return CATEGORIES.find((c) => c === lower);
}

/** The approved-template picker: one template, a field per {{n}}, and a preview of the filled body. */
export function TemplateFields({ templates, onChange }: { templates: Template[]; onChange: (choice: TemplateChoice | null) => void }) {
  const [index, setIndex] = useState(-1);
  const [parameters, setParameters] = useState<string[]>([]);
  const template = index >= 0 ? templates[index] : undefined;
  const filled = template ? fillTemplate(template.body_text ?? template.name, parameters) : '';

  useEffect(() => {
    onChange(
      template
        ? {
            name: template.name,
            language: template.language,
            parameters: parameters.slice(0, template.parameter_count),
            category: ledgerCategory(template.category),
            filled,
            complete: templateComplete(template.parameter_count, parameters),
          }
        : null,
    );
  }, [index, parameters.join('\u0000')]);

  return (
    <>
      <label class="field">
        {t('reply.template')}
        <select
          value={String(index)}
          onChange={(e) => {
            setIndex(Number(e.currentTarget.value));
            setParameters([]);
          }}
        >
          <option value="-1">{t('reply.pickTemplate')}</option>
          {templates.map((tpl, i) => (
            <option key={`${tpl.name}:${tpl.language}`} value={String(i)}>
              {tpl.name} ({tpl.language})
            </option>
          ))}
        </select>
      </label>
      {template &&
        Array.from({ length: template.parameter_count }, (_, i) => (
          <label class="field" key={i}>
            {t('reply.param', { n: i + 1 })}
            <input
              value={parameters[i] ?? ''}
              onInput={(e) => {
                const next = [...parameters];
                next[i] = e.currentTarget.value;
                setParameters(next);
              }}
            />
          </label>
        ))}
      {template && (
        <div>
          <h3>{t('reply.preview')}</h3>
          <p class="template-preview">{filled}</p>
        </div>
      )}
    </>
  );
}
