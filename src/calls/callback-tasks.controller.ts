import { Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional, IsUUID } from 'class-validator';
import { CurrentPrincipal } from '../common/auth';
import type { Principal } from '../common/auth';
import { DEFAULT_PAGE_SIZE, PageQuery } from '../common/page.dto';
import { CallsService } from './calls.service';

export class ListCallbackTasksQuery extends PageQuery {
  @ApiPropertyOptional({ enum: ['open', 'done'] })
  @IsOptional()
  @IsIn(['open', 'done'])
  state?: 'open' | 'done';

  @ApiPropertyOptional({ description: 'Only tasks assigned to this agent' })
  @IsOptional()
  @IsUUID(undefined, { message: 'agent_id must be a UUID' })
  agent_id?: string;
}

/** Missed and out-of-hours calls become callback tasks for the agents involved with the customer. */
@ApiTags('calls')
@ApiBearerAuth()
@Controller('v1/callback-tasks')
export class CallbackTasksController {
  constructor(private readonly calls: CallsService) {}

  @Get()
  @ApiOkResponse({ description: 'Callback tasks, newest first: reason (missed, outside_hours, calling_disabled), call_back_after, assigned agents' })
  list(@CurrentPrincipal() principal: Principal, @Query() query: ListCallbackTasksQuery) {
    return this.calls.listCallbackTasks(principal.accountId, {
      state: query.state,
      agentId: query.agent_id,
      limit: query.limit ?? DEFAULT_PAGE_SIZE,
    });
  }

  @Post(':id/done')
  @HttpCode(200)
  @ApiOkResponse({ description: 'Closes the task (the customer was called back)' })
  done(@CurrentPrincipal() principal: Principal, @Param('id', ParseUUIDPipe) id: string) {
    return this.calls.completeCallbackTask(principal, id);
  }
}
