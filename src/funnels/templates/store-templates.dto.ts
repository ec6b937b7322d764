import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsArray, IsBoolean, IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, ValidateNested } from 'class-validator';
import { FUNNELS } from '../model';
import { TEMPLATE_VARIABLES } from './template-variables';
import { TEMPLATE_CATEGORIES, TEMPLATE_LIMITS, TEMPLATE_STEP_MAX, TEMPLATE_WEIGHT_MAX } from './validate-store-template';

const VARIABLES_DOC = `Variables: ${TEMPLATE_VARIABLES.map((v) => `{{${v}}}`).join(', ')}; custom events also {{var.<key>}}`;

// Lengths and counts are WhatsApp's limits, checked with a 422 naming the exact field (content.buttons[2].text).
export class TemplateButtonDto {
  @ApiProperty({ enum: ['reply', 'url'], description: 'reply: a quick reply (counts as a reply keyword); url: a link, sent through the click-tracking redirect' })
  @IsIn(['reply', 'url'])
  type!: 'reply' | 'url';

  @ApiProperty({ maxLength: TEMPLATE_LIMITS.buttonTextMax, description: 'What the customer sees; no variables' })
  @IsString()
  text!: string;

  @ApiPropertyOptional({ maxLength: TEMPLATE_LIMITS.urlMax, description: 'url buttons: an http(s) URL, may hold variables, or a URL variable such as {{payment_link}}' })
  @IsOptional()
  @IsString()
  url?: string;
}

export class TemplateContentDto {
  @ApiPropertyOptional({ maxLength: TEMPLATE_LIMITS.headerMax, description: 'At most one variable' })
  @IsOptional()
  @IsString()
  header?: string;

  @ApiProperty({ maxLength: TEMPLATE_LIMITS.bodyMax, example: 'Olá {{first_name}}, seu boleto de {{value}} está aqui: {{boleto_url}}', description: VARIABLES_DOC })
  @IsString()
  body!: string;

  @ApiPropertyOptional({ maxLength: TEMPLATE_LIMITS.footerMax, description: 'No variables' })
  @IsOptional()
  @IsString()
  footer?: string;

  @ApiPropertyOptional({ type: [TemplateButtonDto], maxItems: TEMPLATE_LIMITS.buttonsMax })
  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => TemplateButtonDto)
  buttons?: TemplateButtonDto[];
}

export class MetaTemplateRefDto {
  @ApiProperty({ description: 'The approved Meta template this one goes out as outside the 24 h window' })
  @Matches(/^[a-z0-9_]{1,512}$/, { message: 'meta_template.name must be the template name: lower-case letters, digits and _' })
  name!: string;

  @ApiProperty({ example: 'pt_BR' })
  @Matches(/^[a-z]{2,3}(_[A-Z]{2})?$/, { message: 'meta_template.language must be a template language code such as pt_BR' })
  language!: string;
}

export class StoreTemplateDto {
  @ApiProperty({ enum: FUNNELS })
  @IsIn(FUNNELS)
  event_type!: (typeof FUNNELS)[number];

  @ApiPropertyOptional({ type: 'integer', nullable: true, description: "The funnel step (0 = first message); null or absent: every step without a template of its own" })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(TEMPLATE_STEP_MAX)
  step?: number | null;

  @ApiPropertyOptional({ default: 'A', description: 'A/B variant name' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9_-]{1,20}$/, { message: 'variant must be 1 to 20 letters, digits, _ or -' })
  variant?: string;

  @ApiPropertyOptional({ type: 'integer', default: 1, description: "The variant's share of the split; 0 never sends it" })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(TEMPLATE_WEIGHT_MAX)
  weight?: number;

  @ApiPropertyOptional({ default: true, description: 'Disabled: the event is still recorded but this template sends nothing' })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @ApiProperty({ enum: TEMPLATE_CATEGORIES, description: 'Drives cost and the dispatch rules (no marketing without opt-in)' })
  @IsIn(TEMPLATE_CATEGORIES)
  category!: (typeof TEMPLATE_CATEGORIES)[number];

  @ApiProperty({ type: TemplateContentDto })
  @ValidateNested()
  @Type(() => TemplateContentDto)
  content!: TemplateContentDto;

  @ApiPropertyOptional({ type: MetaTemplateRefDto, nullable: true, description: "Linked Meta template: must be APPROVED for the store's WhatsApp number, of the same category, taking the body's variables as its parameters in order" })
  @IsOptional()
  @ValidateNested()
  @Type(() => MetaTemplateRefDto)
  meta_template?: MetaTemplateRefDto | null;
}

export class ListStoreTemplatesQuery {
  @ApiPropertyOptional({ enum: FUNNELS })
  @IsOptional()
  @IsIn(FUNNELS)
  event_type?: (typeof FUNNELS)[number];
}

class TemplateButtonView {
  @ApiProperty({ enum: ['reply', 'url'] }) type!: string;
  @ApiProperty() text!: string;
  @ApiPropertyOptional() url?: string;
}

class TemplateContentView {
  @ApiPropertyOptional() header?: string;
  @ApiProperty() body!: string;
  @ApiPropertyOptional() footer?: string;
  @ApiPropertyOptional({ type: [TemplateButtonView] }) buttons?: TemplateButtonView[];
}

class MetaTemplateView {
  @ApiProperty() name!: string;
  @ApiProperty() language!: string;
  @ApiPropertyOptional({ description: "Meta's status when last read (APPROVED, PAUSED, REJECTED…; NOT_FOUND when Meta no longer has it)" }) status?: string;
  @ApiPropertyOptional({ description: "Meta's category (MARKETING, UTILITY…)" }) category?: string;
  @ApiPropertyOptional({ type: 'array', items: { type: 'object' }, description: "Meta's components as last read" }) components?: unknown[];
  @ApiPropertyOptional({ format: 'date-time' }) synced_at?: string;
}

export class StoreTemplateView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) store_id!: string;
  @ApiProperty({ enum: FUNNELS }) event_type!: string;
  @ApiProperty({ type: 'integer', nullable: true }) step!: number | null;
  @ApiProperty() variant!: string;
  @ApiProperty({ type: 'integer' }) weight!: number;
  @ApiProperty() enabled!: boolean;
  @ApiProperty({ enum: TEMPLATE_CATEGORIES }) category!: string;
  @ApiProperty({ type: TemplateContentView }) content!: TemplateContentView;
  @ApiProperty({ type: MetaTemplateView, nullable: true }) meta_template!: MetaTemplateView | null;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ format: 'date-time' }) updated_at!: string;
}
