import type { Provider, Type } from '@nestjs/common';
import { ContactAttributesController } from './contact-attributes.controller';
import { ContactAttributesRepository } from './contact-attributes.repository';

/** The custom attributes an account declares on its contacts. */
export const CONTACT_ATTRIBUTES_CONTROLLERS: Type[] = [ContactAttributesController];
export const CONTACT_ATTRIBUTES_PROVIDERS: Provider[] = [ContactAttributesRepository];
