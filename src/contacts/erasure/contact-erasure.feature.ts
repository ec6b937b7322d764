import type { Provider, Type } from '@nestjs/common';
import { ContactErasers } from './contact-eraser';
import { ContactErasureController, ContactErasuresController } from './contact-erasure.controller';
import { ErasureSearchIndex, ErasureWorkflows } from './contact-erasure.outside';
import { ContactErasureRepository } from './contact-erasure.repository';
import { ContactErasureService } from './contact-erasure.service';

/** LGPD erasure of contacts (DELETE /v1/contacts/{id}) and its audit (GET /v1/contact-erasures). */
export const CONTACT_ERASURE_CONTROLLERS: Type[] = [ContactErasureController, ContactErasuresController];
export const CONTACT_ERASURE_PROVIDERS: Provider[] = [
  ContactErasureRepository,
  ContactErasers,
  ErasureSearchIndex,
  ErasureWorkflows,
  ContactErasureService,
];
