import { MemberPanel } from './member-panel.js';
import { MerchantPanel } from './merchant-panel.js';

// The script is a module, so it runs after the document is parsed: every element is there.
new MerchantPanel().mount();
new MemberPanel().mount();
