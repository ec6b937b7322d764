import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize, IsArray, IsIn, IsInt, IsOptional, IsString, IsUrl, Length, Matches, MaxLength, Min, Validate, ValidateNested,
  ValidatorConstraint, type ValidationArguments, type ValidatorConstraintInterface,
} from 'class-validator';

export class ButtonDto {
  @ApiProperty({ description: 'Returned when the customer taps it', minLength: 1, maxLength: 64, pattern: '^[^\\s]+$' })
  @Matches(/^[^\s]{1,64}$/, { message: 'id must be 1 to 64 characters without spaces' })
  id!: string;

  @ApiProperty({ description: 'What the customer sees; WhatsApp shows at most 20 characters', minLength: 1, maxLength: 64 })
  @IsString()
  @Length(1, 64, { message: 'title must be 1 to 64 characters' })
  title!: string;

  @ApiPropertyOptional({ format: 'uri', description: 'A link (e-mail shows the button as one; chat channels send the reply id)' })
  @IsOptional()
  @IsUrl({ protocols: ['http', 'https'], require_tld: false, require_protocol: true }, { message: 'url must be an http(s) URL' })
  url?: string;
}

export class MediaDto {
  @ApiProperty({ enum: ['image', 'document', 'audio', 'video'] })
  @IsIn(['image', 'document', 'audio', 'video'])
  kind!: 'image' | 'document' | 'audio' | 'video';

  @ApiProperty({ format: 'uri', description: 'https URL the provider (or recado, for e-mail attachments) fetches' })
  @IsUrl({ protocols: ['http', 'https'], require_tld: false, require_protocol: true }, { message: 'url must be an http(s) URL' })
  url!: string;

  @ApiPropertyOptional({ maxLength: 240 }) @IsOptional() @IsString() @MaxLength(240) filename?: string;
  @ApiPropertyOptional({ maxLength: 1024 }) @IsOptional() @IsString() @MaxLength(1024) caption?: string;
  @ApiPropertyOptional({ maxLength: 255 }) @IsOptional() @IsString() @MaxLength(255) mime_type?: string;

  @ApiPropertyOptional({ type: 'integer', minimum: 0, description: 'Known size in bytes; e-mail refuses attachments over its limit' })
  @IsOptional()
  @IsInt()
  @Min(0)
  size_bytes?: number;
}

export class TemplateNamedParameterDto {
  @ApiProperty({ description: 'The placeholder it fills: first_name for {{first_name}}', pattern: '^[a-z0-9_]{1,128}$' })
  @Matches(/^[a-z0-9_]{1,128}$/, { message: 'name must be the placeholder\'s name: lower-case letters, digits and _' })
  name!: string;

  @ApiProperty({ description: 'What the customer reads in its place' })
  @IsString()
  text!: string;
}

/** A template has one parameter format, so a send gives its parameters one way. */
@ValidatorConstraint({ name: 'oneParameterFormat' })
class OneParameterFormat implements ValidatorConstraintInterface {
  validate(_: unknown, args: ValidationArguments): boolean {
    return (args.object as TemplateRefDto).parameters == null;
  }
  defaultMessage(): string {
    return 'named_parameters: give parameters (a positional template) or named_parameters (a NAMED one), not both';
  }
}

export class TemplateRefDto {
  /** Mirrors OneParameterFormat for the OpenAPI document. */
  static readonly schemaRules = {
    not: { required: ['parameters', 'named_parameters'], properties: { parameters: { type: 'array' }, named_parameters: { type: 'array' } } },
  };

  @ApiProperty({ description: 'The approved WhatsApp template', pattern: '^[a-z0-9_]{1,512}$' })
  @Matches(/^[a-z0-9_]{1,512}$/, { message: 'name must be the template name: lower-case letters, digits and _' })
  name!: string;

  @ApiProperty({ example: 'pt_BR', pattern: '^[a-z]{2,3}(_[A-Z]{2})?$' })
  @Matches(/^[a-z]{2,3}(_[A-Z]{2})?$/, { message: 'language must be a template language code such as pt_BR' })
  language!: string;

  @ApiPropertyOptional({ type: [String], description: 'Body parameters of a positional template: {{1}}, {{2}}… in order' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  parameters?: string[];

  @ApiPropertyOptional({
    type: [TemplateNamedParameterDto],
    maxItems: 100,
    description: 'Body parameters of a NAMED template ({{first_name}}…), each by its placeholder\'s name; instead of parameters',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => TemplateNamedParameterDto)
  @Validate(OneParameterFormat)
  named_parameters?: TemplateNamedParameterDto[];
}

/**
 * A message once, for every channel: each channel's driver renders it (WhatsApp text, reply
 * buttons or template; e-mail HTML + text; Telegram inline keyboard; app push notification).
 */
export class MessageContentDto {
  @ApiProperty({ minLength: 1, maxLength: 65536, description: 'Plain-text body; every channel shows it' })
  @IsString()
  @Length(1, 65536, { message: 'text must be 1 to 65536 characters' })
  text!: string;

  @ApiPropertyOptional({ minLength: 1, maxLength: 998, description: 'E-mail subject; push notification title' })
  @IsOptional()
  @IsString()
  @Length(1, 998, { message: 'subject must be 1 to 998 characters' })
  subject?: string;

  @ApiPropertyOptional({ maxLength: 262144, description: 'E-mail HTML body; made from text when absent' })
  @IsOptional()
  @IsString()
  @MaxLength(262144)
  html?: string;

  @ApiPropertyOptional({ type: [ButtonDto], maxItems: 10 })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10)
  @ValidateNested({ each: true })
  @Type(() => ButtonDto)
  buttons?: ButtonDto[];

  @ApiPropertyOptional({ type: MediaDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => MediaDto)
  media?: MediaDto;

  @ApiPropertyOptional({ type: TemplateRefDto, description: 'The approved WhatsApp template equivalent, for outside the 24 h window' })
  @IsOptional()
  @ValidateNested()
  @Type(() => TemplateRefDto)
  template?: TemplateRefDto;
}
