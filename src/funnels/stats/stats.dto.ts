import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsRFC3339 } from 'class-validator';
import { STATS_GROUPS } from './stats.repository';

export class StatsPeriodQuery {
  @ApiPropertyOptional({ type: String, format: 'date-time', description: 'Messages sent at or after this instant (expired ones: created)' })
  @IsOptional()
  @IsRFC3339({ message: 'from must be an RFC 3339 date-time, e.g. 2026-05-01T12:00:00Z' })
  from?: string;

  @ApiPropertyOptional({ type: String, format: 'date-time', description: 'Messages sent before this instant' })
  @IsOptional()
  @IsRFC3339({ message: 'to must be an RFC 3339 date-time, e.g. 2026-05-01T12:00:00Z' })
  to?: string;
}

export class StoreStatsQuery extends StatsPeriodQuery {
  @ApiProperty({ enum: STATS_GROUPS, description: 'One row per template, funnel step, A/B variant (of an event type and step) or funnel' })
  @IsIn(STATS_GROUPS, { message: `group_by must be one of ${STATS_GROUPS.join(', ')}` })
  group_by!: (typeof STATS_GROUPS)[number];
}

export class RevenueView {
  @ApiProperty({ example: 'BRL' }) currency!: string;
  @ApiProperty({ pattern: '^[0-9]+$', description: 'Integer minor units (centavos), as a string: exact beyond 2^53' }) revenue_minor!: string;
}

export class StatsRowView {
  @ApiPropertyOptional({ type: String, format: 'uuid', nullable: true, description: 'group_by=template (null: a deleted template)' }) template_id?: string | null;
  @ApiPropertyOptional({ description: 'group_by=template or variant: the canonical event the message was for' }) event_type?: string;
  @ApiPropertyOptional({ description: 'group_by=step or funnel' }) funnel?: string;
  @ApiPropertyOptional({ type: 'integer', minimum: 0, description: 'group_by=step or variant (0 = first message)' }) step?: number;
  @ApiPropertyOptional({ type: String, nullable: true, description: 'group_by=variant (null: sent without A/B variants)' }) variant?: string | null;
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Handed to routing' }) sent!: number;
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Final message delivered, read or played' }) delivered!: number;
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Final message read or played' }) read!: number;
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Final message failed' }) failed!: number;
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Never sent: the instance stayed unavailable past MESSAGE_GIVE_UP_AFTER' }) expired!: number;
  @ApiProperty({ type: 'integer', minimum: 0, description: 'The customer wrote back within FUNNEL_REPLY_WINDOW' }) replied!: number;
  @ApiProperty({ type: 'integer', minimum: 0, description: 'A tracked link was followed' }) clicked!: number;
  @ApiProperty({ type: 'integer', minimum: 0, description: 'order_paid within FUNNEL_CONVERSION_WINDOW, attributed to the last message of the funnel' }) converted!: number;
  @ApiProperty({ pattern: '^[0-9]+$', description: 'Revenue recovered in `currency`, integer minor units as a string' }) revenue_minor!: string;
  @ApiProperty({ type: String, nullable: true, description: 'null: nothing converted' }) currency!: string | null;
  @ApiProperty({ type: [RevenueView], description: 'Every currency converted in, largest first' }) revenue_by_currency!: RevenueView[];
  @ApiProperty({ type: Number, minimum: 0, maximum: 1, description: 'converted / sent (0 without sends), 4 decimals' }) conversion_rate!: number;
  @ApiPropertyOptional({ description: 'group_by=variant: the variant with the strictly best conversion rate of its event type and step, once every variant has FUNNEL_AB_MIN_SAMPLE sends' })
  winner?: boolean;
}

export class StoreStatsView {
  @ApiProperty({ enum: STATS_GROUPS }) group_by!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) from!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) to!: string | null;
  @ApiProperty({ type: [StatsRowView] }) rows!: StatsRowView[];
}

export class PerContactView {
  @ApiProperty({ type: Number, minimum: 0 }) avg!: number;
  @ApiProperty({ type: Number, minimum: 0, description: 'Median' }) p50!: number;
  @ApiProperty({ type: 'integer', minimum: 0 }) max!: number;
}

export class PerDayHistogramView {
  @ApiProperty({ name: '1', type: 'integer', minimum: 0, description: 'Contact-days with one message' }) '1'!: number;
  @ApiProperty({ name: '2', type: 'integer', minimum: 0 }) '2'!: number;
  @ApiProperty({ name: '3', type: 'integer', minimum: 0 }) '3'!: number;
  @ApiProperty({ name: '4+', type: 'integer', minimum: 0, description: 'Contact-days with four messages or more' }) '4+'!: number;
}

export class RecipientStatsView {
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) from!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) to!: string | null;
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Distinct contacts sent at least one message' }) contacts_reached!: number;
  @ApiProperty({ type: 'integer', minimum: 0 }) messages!: number;
  @ApiProperty({ type: PerContactView, description: 'Messages per contact reached (zeros when none)' }) messages_per_contact!: PerContactView;
  @ApiProperty({ type: PerDayHistogramView, description: 'Contact-days (UTC) by how many messages the contact got that day' }) per_day!: PerDayHistogramView;
}
