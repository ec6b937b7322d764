import type { components, operations } from './generated/meta-api';

/**
 * Friendly names for the parts of Meta's spec recado uses. Everything here is picked out of
 * the generated file (npm run gen:meta); nothing restates a shape by hand.
 */

type Schemas = components['schemas'];
type JsonBody<Op extends keyof operations> = NonNullable<operations[Op]['requestBody']> extends {
  content: { 'application/json': infer T };
}
  ? T
  : never;
type JsonOk<Op extends keyof operations> = operations[Op]['responses'] extends { 200: { content: { 'application/json': infer T } } }
  ? T
  : never;

// --- POST /{phone-number-id}/messages
export type SendMessageRequest = JsonBody<'sendMessage'>;
export type SendMessageResponse = JsonOk<'sendMessage'>;
export type TextMessageRequest = Schemas['TextMessage'];
export type TemplateMessageRequest = Schemas['TemplateMessage'];
export type InteractiveMessageRequest = Schemas['InteractiveMessage'];
export type InteractiveContent = Schemas['InteractiveObject'];
export type ImageMessageRequest = Schemas['ImageMessage'];
export type AudioMessageRequest = Schemas['AudioMessage'];
export type VideoMessageRequest = Schemas['VideoMessage'];
export type DocumentMessageRequest = Schemas['DocumentMessage'];
export type MediaReference = Schemas['MediaObject_1'];
export type TemplateObject = Schemas['TemplateObject'];
export type TemplateComponent = Schemas['TemplateComponent'];

// --- POST /{phone-number-id}/media
export type UploadMediaResponse = JsonOk<'uploadImage'>;

// --- GET /{phone-number-id}/call_permissions, POST /{phone-number-id}/calls
export type CallPermissionsResponse = JsonOk<'checkCallPermissions'>;
export type CallPermissionStatus = CallPermissionsResponse['permission']['status'];
export type CallActionRequest = JsonBody<'manageCalls'>;
/**
 * GET /{phone-number-id}?fields=…: the number's profile, quality and messaging_limit_tier. The
 * spec documents messaging_limit_tier on this Graph node under its WhatsApp-Account-Number-ID
 * path (PhoneNumberInfo, the Phone-Number-ID path's schema, omits it).
 */
export type PhoneNumberDetails = Schemas['WhatsAppAccountNumber'];
export type CallConnectRequest = Schemas['CallRequestPayload'];
export type CallTerminateRequest = Schemas['CallTerminateRequestPayload'];
export type CallActionResponse = JsonOk<'manageCalls'>;
export type CallConnectResponse = Schemas['CallResponsePayload'];
export type CallAction = Schemas['CallRequestPayload']['action'];
export type CallSession = Schemas['CallSessionDescription'];

// --- GET / POST /{phone-number-id}/settings
export type CallingSettings = Schemas['CallingSettings_1'];
export type CallingHours = Schemas['CallingHoursRequest'];
export type UpdateSettingsRequest = JsonBody<'updatePhoneNumberSettings'>;
export type UpdateCallingSettingsRequest = Schemas['CallingSettingsRequest'];
export type UpdateSettingsResponse = JsonOk<'updatePhoneNumberSettings'>;
export type PhoneNumberSettingsResponse = JsonOk<'getPhoneNumberSettings'>;
export type CallingSettingsResponse = Schemas['CallingSettingsResponse'];

// --- GET /{waba-id}/message_templates
export type ListMessageTemplatesResponse = JsonOk<'getTemplateByNameDefaultFields'>;
export type MessageTemplateSummary = NonNullable<ListMessageTemplatesResponse['data']>[number];
/** The spec documents only `name`; the rest are Graph API list parameters Meta documents for this edge. */
export type ListMessageTemplatesQuery = NonNullable<operations['getTemplateByNameDefaultFields']['parameters']['query']> & {
  status?: string;
  category?: string;
  language?: string;
  fields?: string;
  limit?: number;
  after?: string;
  before?: string;
};

// --- Errors
export type GraphApiErrorResponse = Schemas['GraphAPIError'];
export type GraphApiErrorBody = GraphApiErrorResponse['error'] & {
  error_data?: { messaging_product?: string; details?: string };
};

// --- Webhooks
export type WebhookPayload = Schemas['WebhookPayload'];
export type WebhookEntry = Schemas['Entry'];
export type WebhookChange = Schemas['Change'];
export type WebhookField = WebhookChange['field'];
export type WebhookMetadata = Schemas['Metadata'];
export type WebhookContact = Schemas['ContactProfile'];
export type IncomingMessageValue = Schemas['IncomingMessageValueGeneral'];
export type SystemMessageValue = Schemas['IncomingMessageValueSystem'];
export type StatusMessageValue = Schemas['StatusMessageValue'];
export type CallsWebhookValue = Schemas['CallsWebhookValue'];
export type IncomingMessage = Schemas['IncomingMessage'];
export type SystemMessage = Schemas['SystemMessage'];
export type IncomingTextMessage = Schemas['TextMessage_2'];
export type IncomingButtonMessage = Schemas['ButtonMessage'];
export type IncomingInteractiveMessage = Schemas['InteractiveMessageReply'];
export type CallPermissionReply = Schemas['InteractiveCallPermissionReplyContent']['call_permission_reply'];
export type MessageStatusUpdate = Schemas['Statuses'];
export type MessageStatusError = Schemas['StatusError'];
export type CallWebhookCall = Schemas['CallWebhookCall'];
export type CallWebhookStatus = Schemas['CallWebhookStatus'];
