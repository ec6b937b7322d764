import { ApiProperty } from '@nestjs/swagger';
import { MessageView } from '../messages/messages.dto';

export class RenderedTemplateButtonView {
  @ApiProperty({ description: "The button's label" }) text!: string;
  @ApiProperty({ type: String, nullable: true, description: 'URL buttons: the link with its parameter filled in; null for other buttons' })
  url!: string | null;
}

export class RenderedTemplateView {
  @ApiProperty({ example: 'pedido_atualizado' }) name!: string;
  @ApiProperty({ example: 'pt_BR' }) language!: string;
  @ApiProperty({ type: String, nullable: true, description: 'A text header with its parameter filled in; null without one (or with a media header)' })
  header!: string | null;
  @ApiProperty({ description: 'The body with its parameters filled in ({{1}}… in order, or {{name}} by parameter_name)' }) body!: string;
  @ApiProperty({ type: String, nullable: true }) footer!: string | null;
  @ApiProperty({ type: [RenderedTemplateButtonView], description: 'In the order the template defines them' })
  buttons!: RenderedTemplateButtonView[];
}

export class ThreadMessageView extends MessageView {
  @ApiProperty({
    type: RenderedTemplateView,
    nullable: true,
    description:
      'A WhatsApp template message as the customer read it: the approved template (as last synced from Meta for a store) with the ' +
      "parameters of `body` filled in. null for other messages, and for a template recado holds no definition of (body still has its name and parameters)",
  })
  rendered_template!: RenderedTemplateView | null;
}
