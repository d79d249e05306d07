import { errorSummary } from '../shared/errors';
import type { Logger } from '../shared/ports';
import type { Notice, NoticePublisher } from './notice';

/**
 * Hands a notice to chat, when chat is configured. A chat failure is logged, never thrown: the topic message it
 * accompanies is already out, and failing now would repeat that (email) message on the retry.
 */
export async function publishNotice(
  notices: NoticePublisher | undefined,
  notice: Notice,
  logger: Logger,
): Promise<void> {
  if (!notices) return;
  try {
    await notices.publish(notice);
  } catch (cause) {
    logger.log('warn', 'chat notice not sent', {
      caseKey: notice.caseKey,
      kind: notice.kind,
      error: errorSummary(cause),
    });
  }
}
